import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { KyselyStore } from '../sql/kysely-store.ts';
import type { Database as Schema } from '../sql/schema.ts';
import { withStoreFaults } from '../sql/store-faults.ts';
import { orderEventIds } from './event-order.ts';

export interface PostgresStoreOptions {
  /** `postgres://user:pass@host:port/db`. */
  connectionString: string;
  /** Connections per process; default 10. Size so that nodes × poolSize stays under `max_connections`. */
  poolSize?: number;
  /** Passed to the pool: ms a request waits for a free connection before it fails; default 10,000. */
  connectionTimeoutMs?: number;
}

/**
 * Any key number works as long as every Breakwater process agrees on it; this one spells
 * "bwmig" so an operator reading pg_locks can tell whose lock it is.
 */
const MIGRATION_LOCK_ID = 0x62776d6967;

const INT8_OID = 20;

/**
 * BIGINT (epoch ms columns, count(*)) parsed to a number instead of pg's default string. Epoch
 * milliseconds and row counts stay far below 2^53, so nothing is lost; rows.ts also converts
 * with Number(), so either answer works. Per pool, never pg.types.setTypeParser: that one is
 * global to the process and would change other users of the driver.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/**
 * The scale-out store: PostgreSQL through one pg pool per process. Job claims lock rows with
 * `FOR UPDATE SKIP LOCKED`, so N processes share the jobs table without handing one job to two;
 * migrations run under a session advisory lock, so N processes starting at once migrate once;
 * event ids follow commit order per org (event-order.ts), so one log is paged safely from any node.
 */
export class PostgresStore extends KyselyStore {
  readonly pool: pg.Pool;

  constructor(options: PostgresStoreOptions) {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      // The migration lock holds one connection while the migrator uses another.
      max: Math.max(2, options.poolSize ?? 10),
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
      types,
    });
    // An idle client losing its server (restart, failover) emits here; unhandled it would kill the process.
    // The next query gets a fresh connection, or fails as a fault the caller reports.
    pool.on('error', () => {});
    // A checked-out client has no listener of the pool's: a server lost mid-query emits 'error' on
    // it, which unhandled kills the process. Its queries get the error anyway (a store fault to the
    // caller), and the pool drops the client on release because it is no longer queryable.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Schema>({ dialect: withStoreFaults(new PostgresDialect({ pool })) });
    super({
      db, types: { ms: 'bigint', bytes: 'bytea' }, groupCommit: false, skipLocked: true, rowLocks: true,
      migrationLock: (run) => withAdvisoryLock(pool, MIGRATION_LOCK_ID, run),
      eventIdOrder: orderEventIds,
    });
    this.pool = pool;
  }
}

/**
 * Runs `fn` holding a session advisory lock on a dedicated connection. The lock is the
 * connection's, so it is released by the unlock below or, if this process dies, by the server
 * when the connection drops: a killed node never leaves the others waiting.
 */
async function withAdvisoryLock(pool: pg.Pool, id: number, fn: () => Promise<void>): Promise<void> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('select pg_advisory_lock($1)', [id]);
    try {
      await fn();
    } finally {
      await client.query('select pg_advisory_unlock($1)', [id]).catch(() => {
        broken = true;
      });
    }
  } finally {
    // A connection that could not unlock still holds the lock: destroy it rather than pool it.
    client.release(broken);
  }
}
