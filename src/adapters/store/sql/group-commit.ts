import { sql, type Kysely, type Transaction } from 'kysely';

// Node's setImmediate; this file is also compiled for workerd (D1 never groups commits), which has timers only.
const nextTurn: (fn: () => void) => void = (globalThis as { setImmediate?: (fn: () => void) => void }).setImmediate ?? ((fn) => setTimeout(fn, 0));

const now = () => performance.now();

/**
 * A write is taken as one of a stream of concurrent writes, worth gathering, when the previous
 * commit shared its transaction or ended less than this long ago; otherwise it is alone and
 * commits at once. (A time window alone is not enough: under steady load on a busy machine the
 * next batch's first write can come later than any fixed window, and committing it alone costs
 * an fsync of its own, measured as a third of bench:send's throughput.)
 */
const GATHER_AFTER_MS = 5;

interface Pending<DB> {
  fn: (trx: Transaction<DB>) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: writes that arrive while a transaction is being built share it, so many
 * requests pay for one fsync. A write that finds the store idle commits at once. Each write runs under its own savepoint, so one that fails
 * rolls back alone; if the commit itself fails, every write in the batch fails.
 * Written here because no Kysely plugin batches transactions, and the send path needs it
 * (DESIGN §9: 4,000 durable sends/s where one commit per send gives ~4,700 at best).
 */
export class GroupCommit<DB> {
  private queue: Pending<DB>[] = [];
  private running: Promise<void> | null = null;
  private lastCommitEnd = -Infinity;
  /** Writes committed by the last run of the loop: more than one means concurrent writers. */
  private lastWrites = 0;

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
    // Under load, let the writes of the current turn (other sockets' callbacks) join the first
    // batch. Alone, take only the writes of the current tick: waiting a turn buys no company and
    // costs the whole turn, which under a storm of refused requests is every other socket's
    // callback (~5 ms at 100 connections).
    if (this.lastWrites > 1 || now() - this.lastCommitEnd < GATHER_AFTER_MS) await new Promise<void>((r) => nextTurn(r));
    else await Promise.resolve();
    let writes = 0;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        writes += batch.length;
        await this.commit(batch);
      }
    } finally {
      this.lastWrites = writes;
      this.lastCommitEnd = now();
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
