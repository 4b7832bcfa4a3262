import {
  SelectQueryNode, SqliteAdapter, sql,
  type CompiledQuery, type DatabaseConnection, type DatabaseIntrospector, type DatabaseMetadata, type DatabaseMetadataOptions,
  type Dialect, type Driver, type Kysely, type QueryResult, type SchemaMetadata, type TableMetadata,
} from 'kysely';
import { D1QueryCompiler } from './d1-query-compiler.ts';

/**
 * Kysely on Cloudflare D1. D1 has no interactive transactions (it refuses BEGIN and SAVEPOINT);
 * its one atomic unit is `batch()`. So a Kysely transaction here is a batch:
 *
 * - outside a transaction every query runs at once;
 * - inside one, reads run at once against committed data (never this transaction's writes),
 *   writes are queued and resolve at once with no counts, and commit sends the queue as one
 *   batch: all of it applies, in order, or none of it. Rollback drops the queue.
 *
 * Nothing is isolated between the reads and the commit: callers that decide on what they read
 * serialise their writers (d1-store.ts) and follow SqlWrites' rule (read, decide, write).
 * Value lists bind as one JSON parameter (d1-query-compiler.ts): D1 takes 100 bound values at most.
 */
export class D1Dialect implements Dialect {
  constructor(private readonly database: D1Database) {}

  createAdapter(): SqliteAdapter {
    return new D1Adapter();
  }

  createDriver(): Driver {
    return new D1Driver(this.database);
  }

  createQueryCompiler(): D1QueryCompiler {
    return new D1QueryCompiler();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new D1Introspector(db);
  }
}

/** A D1 failure, with SQLite's extended result code (`SQLITE_CONSTRAINT_UNIQUE`, …) as `code`. */
export class D1QueryError extends Error {
  readonly code: string | undefined;

  constructor(cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(message, { cause });
    this.name = 'D1QueryError';
    // D1 reports "…: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)" or "…: SQLITE_ERROR".
    this.code = /\(extended: (SQLITE_[A-Z_]+)\)/.exec(message)?.[1] ?? /\b(SQLITE_[A-Z_]+)\s*$/.exec(message)?.[1];
  }
}

class D1Adapter extends SqliteAdapter {
  // A batch applies DDL atomically too, so the migrator's transaction makes a run all or nothing.
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class D1Driver implements Driver {
  constructor(private readonly database: D1Database) {}

  async init(): Promise<void> {}

  // D1 is reached per request, not over a session: every acquisition is a fresh connection, so
  // concurrent reads never wait for one another, and each transaction has a queue of its own.
  async acquireConnection(): Promise<DatabaseConnection> {
    return new D1Connection(this.database);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as D1Connection).begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as D1Connection).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as D1Connection).rollback();
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}

class D1Connection implements DatabaseConnection {
  private queue: D1PreparedStatement[] | null = null;

  constructor(private readonly database: D1Database) {}

  begin(): void {
    if (this.queue) throw new Error('D1: a transaction is already open on this connection');
    this.queue = [];
  }

  async commit(): Promise<void> {
    const queue = this.queue ?? [];
    this.queue = null;
    if (queue.length === 0) return;
    try {
      await this.database.batch(queue);
    } catch (error) {
      throw new D1QueryError(error);
    }
  }

  rollback(): void {
    this.queue = null;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.database.prepare(compiled.sql).bind(...compiled.parameters);
    const read = isRead(compiled);
    if (this.queue && !read) {
      // Its rows would only exist after commit: a caller reading them has a bug, so say so.
      if ((compiled.query as { returning?: unknown }).returning) throw new Error('D1: RETURNING inside a transaction has no rows to return');
      this.queue.push(statement);
      return { rows: [] };
    }
    let result: D1Result<R>;
    try {
      result = await statement.all<R>();
    } catch (error) {
      throw new D1QueryError(error);
    }
    if (read) return { rows: result.results };
    return { rows: result.results, numAffectedRows: BigInt(result.meta.changes), insertId: BigInt(result.meta.last_row_id) };
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    yield await this.executeQuery<R>(compiled);
  }
}

function isRead(compiled: CompiledQuery): boolean {
  return SelectQueryNode.is(compiled.query) || /^\s*select\b/i.test(compiled.sql);
}

/**
 * Kysely's SQLite introspector joins `pragma_table_info()`, which D1 refuses (SQLITE_AUTH); the
 * PRAGMA statement it allows. D1's own tables (`_cf_…`) are not ours to list.
 */
class D1Introspector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    return [];
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; type: string }>`
      select name, type from sqlite_master
      where type in ('table', 'view') and name not like 'sqlite\\_%' escape '\\' and name not like '\\_cf\\_%' escape '\\'
      order by name`.execute(this.db);
    const internal = (name: string) => name === 'kysely_migration' || name === 'kysely_migration_lock';
    const tables: TableMetadata[] = [];
    for (const { name, type } of rows) {
      if (!options.withInternalKyselyTables && internal(name)) continue;
      const columns = await sql<{ name: string; type: string; notnull: number; dflt_value: unknown; pk: number }>`pragma table_info(${sql.id(name)})`.execute(this.db);
      const pk = columns.rows.filter((c) => c.pk > 0);
      tables.push({
        name, isView: type === 'view',
        columns: columns.rows.map((c) => ({
          name: c.name, dataType: c.type, isNullable: !c.notnull, hasDefaultValue: c.dflt_value != null,
          // An INTEGER PRIMARY KEY is SQLite's rowid, assigned when omitted.
          isAutoIncrementing: pk.length === 1 && c.pk > 0 && c.type.toLowerCase() === 'integer',
        })),
      });
    }
    return tables;
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}
