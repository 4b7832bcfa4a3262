import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Tx } from './event-log.ts';
import type { Database } from './schema.ts';

/**
 * How the SQL stores write, shared by KyselyStore and the stores it delegates to. One rule makes
 * a body portable to D1, where a transaction is a batch sent at commit (d1/d1-dialect.ts): inside
 * `write`, read first, decide, then write; never use a write's result (a count, RETURNING rows)
 * and never read back what the same body wrote.
 */
export interface SqlWrites {
  /** Runs `fn` as one transaction: all of its writes commit, or none. */
  write<T>(fn: (trx: Tx) => Promise<T>): Promise<T>;
  /**
   * `write`, run again (a few times) when a UNIQUE violation aborts it: another writer committed
   * the row between this body's read and its insert, and the next run reads the winner.
   */
  writeSettled<T>(fn: (trx: Tx) => Promise<T>): Promise<T>;
  /**
   * One statement outside any transaction, so its count or RETURNING rows are exact on every
   * dialect (on D1 still serialised with `write`).
   */
  writeOne<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * A read whose answer decides a write. On PostgreSQL it locks the rows it reads, so a concurrent
   * writer of those rows waits and then reads the outcome, as the write's own count would have
   * shown; SQLite and D1 have one writer at a time and need nothing.
   */
  deciding<TB extends keyof Database, O>(q: SelectQueryBuilder<Database, TB, O>): SelectQueryBuilder<Database, TB, O>;
}

const UNIQUE_CODES = new Set([
  '23505', // PostgreSQL unique_violation
  'SQLITE_CONSTRAINT_UNIQUE', // better-sqlite3, and D1 errors as d1-dialect.ts names them
  'SQLITE_CONSTRAINT_PRIMARYKEY',
]);

/** True for a UNIQUE or primary-key violation on any of the store's dialects. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNIQUE_CODES.has(code);
}
