import { sql, type Kysely, type Transaction } from 'kysely';

// Node's setImmediate; this file is also compiled for workerd (D1 never groups commits), which has timers only.
const nextTurn: (fn: () => void) => void = (globalThis as { setImmediate?: (fn: () => void) => void }).setImmediate ?? ((fn) => setTimeout(fn, 0));

interface Pending<DB> {
  fn: (trx: Transaction<DB>) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: writes that arrive while a transaction is being built share it, so many
 * requests pay for one fsync. Each write runs under its own savepoint, so one that fails
 * rolls back alone; if the commit itself fails, every write in the batch fails.
 * Written here because no Kysely plugin batches transactions, and the send path needs it
 * (DESIGN §9: 4,000 durable sends/s where one commit per send gives ~4,700 at best).
 */
export class GroupCommit<DB> {
  private queue: Pending<DB>[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly db: Kysely<DB>, private readonly maxBatch = 256) {}

  run<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) this.running = this.loop();
    });
  }

  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    // Let the writes of the current tick join the first batch.
    await new Promise<void>((r) => nextTurn(r));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.commit(batch);
      }
    } finally {
      this.running = null;
    }
  }

  private async commit(batch: Pending<DB>[]): Promise<void> {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const item of batch) {
          await sql`savepoint w`.execute(trx);
          try {
            outcomes.push({ ok: true, value: await item.fn(trx) });
            await sql`release savepoint w`.execute(trx);
          } catch (error) {
            outcomes.push({ ok: false, error });
            await sql`rollback to savepoint w`.execute(trx);
            await sql`release savepoint w`.execute(trx);
          }
        }
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    });
  }
}
