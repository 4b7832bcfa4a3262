import { Kysely } from 'kysely';
import { KyselyStore } from '../sql/kysely-store.ts';
import type { Database as Schema } from '../sql/schema.ts';
import type { Tx } from '../sql/event-log.ts';
import { D1Dialect } from './d1-dialect.ts';
import { R2MessageBlobs } from './r2-blobs.ts';

export interface D1StoreOptions {
  /** Raw MIME and attachment bodies go here, not into D1 (whose rows are capped at 2 MB). */
  blobs?: R2Bucket;
}

/** Runs tasks one at a time, in call order; a failed task does not stop the next. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => {});
    return result;
  }
}

/**
 * The edge store: D1 through d1-dialect.ts, optionally with bodies in R2. A write transaction
 * reads committed data, then commits its writes as one batch, so nothing stops another writer
 * from committing between the two: here every write (transaction, single statement, migration)
 * waits for the one before it, which makes read-then-batch race-free against this store's own
 * writers. Across isolates the StoreWriter Durable Object gives the Worker one such store.
 * Reads never wait.
 */
export class D1Store extends KyselyStore {
  private readonly serial: Serial;

  constructor(database: D1Database, options: D1StoreOptions = {}) {
    const serial = new Serial();
    super({
      db: new Kysely<Schema>({ dialect: new D1Dialect(database) }),
      types: { ms: 'integer', bytes: 'blob' },
      groupCommit: false,
      skipLocked: false,
      migrationLock: (run) => serial.run(run),
      ...(options.blobs ? { blobs: new R2MessageBlobs(options.blobs) } : {}),
    });
    this.serial = serial;
  }

  protected override write<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return this.serial.run(() => super.write(fn));
  }

  protected override writeOne<T>(fn: (db: Kysely<Schema>) => Promise<T>): Promise<T> {
    return this.serial.run(() => super.writeOne(fn));
  }
}
