import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { KyselyStore } from '../sql/kysely-store.ts';
import type { Database as Schema } from '../sql/schema.ts';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for tests. */
  filename: string;
  /** FULL syncs every commit to disk: an acknowledged send survives a power cut. */
  synchronous?: 'FULL' | 'NORMAL';
  groupCommit?: boolean;
}

/** The single-node store: one SQLite file in WAL mode. */
export class SqliteStore extends KyselyStore {
  constructor(options: SqliteStoreOptions) {
    const sqlite = new Database(options.filename);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
    super({ db, types: { ms: 'integer', bytes: 'blob' }, groupCommit: options.groupCommit ?? true, skipLocked: false });
  }
}
