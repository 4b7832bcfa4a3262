import { sql, type Kysely } from 'kysely';
import type { SecretStore, StoredSecret } from '../../../core/ports.ts';
import type { SecretKind } from '../../../core/secrets/secret-box.ts';
import type { Database } from './schema.ts';
import type { SqlWrites } from './writes.ts';

/** Where each kind of secret lives: a table and its column. */
const COLUMNS = {
  webhook: { table: 'webhook_endpoints', column: 'secret' },
  dkim: { table: 'domains', column: 'dkim_private_key' },
} as const satisfies Record<SecretKind, { table: keyof Database; column: string }>;

/** The SecretStore on any Kysely dialect: finds secrets not sealed under a key, and swaps them. */
export class SqlSecrets implements SecretStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writes: SqlWrites,
  ) {}

  async listStaleSecrets(kind: SecretKind, prefix: string, after: string | null, limit: number): Promise<StoredSecret[]> {
    const { table, column } = COLUMNS[kind];
    // substr, not LIKE: SQLite's LIKE ignores case and both treat _ as a wildcard.
    let q = this.db.selectFrom(table).select(['id', sql<string>`${sql.ref(column)}`.as('value')])
      .where(sql<boolean>`substr(${sql.ref(column)}, 1, ${sql.lit(prefix.length)}) <> ${prefix}`);
    if (after) q = q.where('id', '>', after);
    return q.orderBy('id').limit(limit).execute();
  }

  async replaceSecret(kind: SecretKind, id: string, from: string, to: string): Promise<boolean> {
    const { table, column } = COLUMNS[kind];
    const res = await this.writes.writeOne((db) => db.updateTable(table)
      .set({ [column]: to })
      .where('id', '=', id).where(sql.ref(column), '=', from).executeTakeFirst());
    return Number(res.numUpdatedRows) === 1;
  }
}
