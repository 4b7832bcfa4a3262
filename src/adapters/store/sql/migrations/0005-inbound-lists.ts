import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectTypes } from './types.ts';

/**
 * Inbound control and agent safety (issue 5, item 7): allow and block list entries, and on
 * each message its extracted reply text and trusted flag (the verdicts already have auth_json).
 */
export function inboundLists(types: DialectTypes): Migration {
  const ms = sql.raw(types.ms);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable('list_entries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        // NULL: the entry applies to every inbox of the org.
        .addColumn('inbox_id', 'text')
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('pattern', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('created_at', ms, (c) => c.notNull())
        .execute();
      // The cache loads an org at once; the API pages it newest first.
      await db.schema.createIndex('list_entries_org').on('list_entries').columns(['org_id', 'id']).execute();
      await db.schema.alterTable('messages').addColumn('extracted_text', 'text').execute();
      await db.schema.alterTable('messages').addColumn('trusted', 'integer').execute();
    },
  };
}
