import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { KyselyStore } from '../sql/kysely-store.ts';
import type { Database as Schema } from '../sql/schema.ts';
import { withStoreFaults } from '../sql/store-faults.ts';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for tests. */
  filename: string;
  /** FULL syncs every commit to disk: an acknowledged send survives a power cut. */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * SQLite's page cache, in MiB (better-sqlite3 builds with 16). It fills as the database grows
   * and then holds: most of a node's memory growth in its first minutes is this cache.
   */
  cacheMb?: number;
  groupCommit?: boolean;
}

/**
 * Kysely's SQLite driver prepares every query anew; the store runs the same few dozen shapes
 * millions of times, so prepared statements are kept by SQL text (bounded: shapes, not values).
 */
function withStatementCache(sqlite: Database.Database): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') {
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return (source: string) => {
        let stmt = cache.get(source);
        if (!stmt) {
          stmt = prepare(source);
          if (cache.size < 1000) cache.set(source, stmt);
        }
        return stmt;
      };
    },
  });
}

/** The single-node store: one SQLite file in WAL mode. */
export class SqliteStore extends KyselyStore {
  constructor(options: SqliteStoreOptions) {
    const sqlite = new Database(options.filename);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    if (options.cacheMb !== undefined) sqlite.pragma(`cache_size = -${Math.round(options.cacheMb * 1024)}`);
    const db = new Kysely<Schema>({ dialect: withStoreFaults(new SqliteDialect({ database: withStatementCache(sqlite) })) });
    super({ db, types: { ms: 'integer', bytes: 'blob' }, groupCommit: options.groupCommit ?? true, skipLocked: false });
  }
}
