import { Kysely } from 'kysely';
import { KyselyStore } from '../sql/kysely-store.ts';
import type { MessageBlobs } from '../sql/message-blobs.ts';
import type { Database as Schema } from '../sql/schema.ts';
import type { Tx } from '../sql/event-log.ts';
import { withStoreFaults } from '../sql/store-faults.ts';
import { D1Dialect } from './d1-dialect.ts';
import { R2MessageBlobs } from './r2-blobs.ts';
import { Serial } from './serial.ts';

/**
 * How long one write may hold back the next. D1 ends a query after 30 s, and a write is a few
 * reads, R2 puts and one batch, so a write still unsettled after a minute is almost surely one
 * whose promise never will settle (a call that never answers, or I/O that went with a cancelled
 * request; the Worker's isolates write nothing themselves, so this chain runs in the StoreWriter
 * object). Letting the next write past it is unsafe only if it does commit after all: the
 * next body may then have read before that commit (a UNIQUE race still settles by re-running;
 * event ids could commit out of order). That rare overlap is the price of a bounded stall
 * instead of a writer wedged for good.
 */
export const WRITE_STALL_MS = 60_000;

export interface D1StoreOptions {
  /** Raw MIME and attachment bodies go here, not into D1 (whose rows are capped at 2 MB). */
  blobs?: R2Bucket;
  /**
   * Reads only: every write fails at once. For a Worker isolate's own store, whose writes all go
   * through the StoreWriter: a write reaching it would bypass the one writer and race other isolates.
   */
  readOnly?: boolean;
  /** Told when a write is let past one that has not settled within WRITE_STALL_MS (see Serial). */
  onStall?: (stallMs: number) => void;
  /** Overrides WRITE_STALL_MS (tests). */
  stallMs?: number;
}

/** Thrown by a read-only D1Store's writes: a routing fault, never a business outcome. */
export class D1ReadOnlyError extends Error {
  constructor() {
    super('D1Store: this store is read-only; writes go through the StoreWriter');
    this.name = 'D1ReadOnlyError';
  }
}

/** A read-only store reads bodies but never puts or deletes them (deliverability's saveSignedRaw puts outside `write`). */
function blobsOf(bucket: R2Bucket, readOnly: boolean): MessageBlobs {
  const r2 = new R2MessageBlobs(bucket);
  if (!readOnly) return r2;
  return { get: (key) => r2.get(key), put: () => Promise.reject(new D1ReadOnlyError()), delete: () => Promise.reject(new D1ReadOnlyError()) };
}

/**
 * The edge store: D1 through d1-dialect.ts, optionally with bodies in R2. A write transaction
 * reads committed data, then commits its writes as one batch, so nothing stops another writer
 * from committing between the two: here every write (transaction, single statement, migration)
 * waits for the one before it (within WRITE_STALL_MS), which makes read-then-batch race-free
 * against this store's own writers. Across isolates the StoreWriter Durable Object gives the
 * Worker one such store; the isolates' own stores are read-only. Reads never wait.
 */
export class D1Store extends KyselyStore {
  private readonly serial: Serial;
  private readonly readOnly: boolean;

  constructor(database: D1Database, options: D1StoreOptions = {}) {
    const serial = new Serial({ stallMs: options.stallMs ?? WRITE_STALL_MS, ...(options.onStall ? { onStall: options.onStall } : {}) });
    const readOnly = options.readOnly ?? false;
    super({
      db: new Kysely<Schema>({ dialect: withStoreFaults(new D1Dialect(database)) }),
      types: { ms: 'integer', bytes: 'blob' },
      groupCommit: false,
      skipLocked: false,
      migrationLock: (run) => (readOnly ? Promise.reject(new D1ReadOnlyError()) : serial.run(run)),
      ...(options.blobs ? { blobs: blobsOf(options.blobs, readOnly) } : {}),
    });
    this.serial = serial;
    this.readOnly = readOnly;
  }

  protected override write<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    if (this.readOnly) return Promise.reject(new D1ReadOnlyError());
    return this.serial.run(() => super.write(fn));
  }

  protected override writeOne<T>(fn: (db: Kysely<Schema>) => Promise<T>): Promise<T> {
    if (this.readOnly) return Promise.reject(new D1ReadOnlyError());
    return this.serial.run(() => super.writeOne(fn));
  }
}
