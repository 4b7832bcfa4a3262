import type { CompiledQuery, DatabaseConnection, Dialect, Driver, Kysely, QueryResult, TransactionSettings } from 'kysely';
import { StoreUnavailableError } from '../../../core/errors.ts';

/**
 * SQLite result codes of a store that cannot write or read for a reason outside the query:
 * ENOSPC surfaces as SQLITE_FULL, a failing or read-only disk as SQLITE_IOERR_* / SQLITE_READONLY_*,
 * a lock held past busy_timeout as SQLITE_BUSY. SQLITE_CORRUPT and SQLITE_CONSTRAINT are not here:
 * the first is no transient fault, the second is a business answer the store reads itself.
 */
const SQLITE_FAULT = /^SQLITE_(FULL|IOERR|READONLY|BUSY|CANTOPEN|LOCKED|NOMEM)/;

/**
 * PostgreSQL SQLSTATE classes and codes of a server that cannot serve (Appendix A): 08 connection
 * exception, 53 insufficient resources (53100 disk full), 57P01-57P05 shutdown and crash recovery,
 * 58 system error (I/O).
 */
const PG_FAULT = /^(08|53|58)|^57P0[1-5]$/;

/** Socket errors of an unreachable server (pg passes them through as they are). */
const NET_FAULT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ENOSPC', 'EIO']);

/** pg's own connection errors carry no code, only these messages. */
const PG_CONNECTION_MESSAGE = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|Cannot use a pool after calling end)/;

/**
 * D1's and Durable Objects' transient failures carry no code, only these messages (Cloudflare's
 * "List of D1_ERRORs": reset, overloaded, network lost, a storage timeout; and a database at its
 * size limit, D1's disk full). Over RPC the same words come back from the StoreWriter object.
 */
const CLOUDFLARE_FAULT_MESSAGE = /Network connection lost|storage caused object to be reset|reset because its code was updated|is overloaded|Too many requests queued|exceeded timeout|Exceeded maximum DB size|Durable Object storage operation exceeded/i;

/** True when `err` says the store is unavailable, not that the query was wrong. */
export function isStoreFault(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (SQLITE_FAULT.test(code) || PG_FAULT.test(code) || NET_FAULT.has(code))) return true;
  // A pool that could not connect to any of several addresses (happy eyeballs) says so in an AggregateError.
  if (err instanceof AggregateError) return err.errors.some(isStoreFault);
  return PG_CONNECTION_MESSAGE.test(err.message) || CLOUDFLARE_FAULT_MESSAGE.test(err.message);
}

function translate(err: unknown, faulted: boolean): unknown {
  if (err instanceof StoreUnavailableError) return err;
  return faulted || isStoreFault(err) ? new StoreUnavailableError(err) : err;
}

/**
 * One acquired connection. After a fault, whatever else fails on it (SQLite rolls a transaction
 * back by itself on SQLITE_FULL, so the ROLLBACK TO SAVEPOINT and ROLLBACK that follow fail with
 * "no transaction is active") is the same fault, not a new bug.
 */
class FaultConnection implements DatabaseConnection {
  faulted = false;
  constructor(readonly inner: DatabaseConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (err) {
      throw this.fail(err);
    }
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (err) {
      throw this.fail(err);
    }
  }

  fail(err: unknown): unknown {
    const out = translate(err, this.faulted);
    if (out instanceof StoreUnavailableError) this.faulted = true;
    return out;
  }
}

/** The driver's own connection object: drivers release by it (pg's `release()`), never by ours. */
const innerOf = (c: DatabaseConnection) => (c instanceof FaultConnection ? c.inner : c);

class FaultDriver implements Driver {
  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    try {
      return new FaultConnection(await this.inner.acquireConnection());
    } catch (err) {
      throw translate(err, false);
    }
  }

  beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.guard(c, () => this.inner.beginTransaction(innerOf(c), settings));
  }

  commitTransaction(c: DatabaseConnection): Promise<void> {
    return this.guard(c, () => this.inner.commitTransaction(innerOf(c)));
  }

  rollbackTransaction(c: DatabaseConnection): Promise<void> {
    return this.guard(c, () => this.inner.rollbackTransaction(innerOf(c)));
  }

  releaseConnection(c: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(innerOf(c));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  private async guard(c: DatabaseConnection, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      throw c instanceof FaultConnection ? c.fail(err) : translate(err, false);
    }
  }
}

/**
 * The same dialect, whose driver throws StoreUnavailableError for a store fault (the original as
 * its `cause`) and every other error as it was. One place for the SQL stores (SQLite, PostgreSQL, D1), so every query,
 * transaction and group commit is covered without a try in each store method.
 */
export function withStoreFaults(dialect: Dialect): Dialect {
  return {
    createDriver: () => new FaultDriver(dialect.createDriver()),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db: Kysely<unknown>) => dialect.createIntrospector(db),
  };
}
