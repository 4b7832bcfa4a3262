import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectTypes } from './types.ts';

/** Quarantine entries, loaded into memory at start (the hot path never reads this table). */
export function quarantine(types: DialectTypes): Migration {
  const ms = sql.raw(types.ms);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable('quarantine')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('lane', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text')
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('expires_at', ms)
        .execute();
    },
  };
}
