import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectTypes } from './types.ts';

/** Domains with their DKIM keys, suppression lists, recipient history, reputation rows and day counts. */
export function deliverability(types: DialectTypes): Migration {
  const ms = sql.raw(types.ms);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable('domains')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('dkim_selector', 'text', (c) => c.notNull())
        .addColumn('dkim_algorithm', 'text', (c) => c.notNull())
        .addColumn('dkim_private_key', 'text', (c) => c.notNull())
        .addColumn('dkim_public_dns', 'text', (c) => c.notNull())
        .addColumn('records_json', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('verified_at', ms)
        .addColumn('checked_at', ms)
        .execute();
      // One claim per org and name; NULL (the default domain) would be distinct in a plain unique index.
      await sql`create unique index domains_claim on domains (name, coalesce(org_id, ''))`.execute(db);
      await db.schema.createIndex('domains_org').on('domains').columns(['org_id', 'id']).execute();

      await db.schema.createTable('suppressions')
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text')
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('expires_at', ms)
        .addPrimaryKeyConstraint('suppressions_pk', ['org_id', 'address'])
        .execute();
      await db.schema.createIndex('suppressions_org').on('suppressions').columns(['org_id', 'id']).execute();

      // Who an inbox has mailed: warm-up caps the recipients it never mailed before.
      await db.schema.createTable('inbox_recipients')
        .addColumn('inbox_id', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('first_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('inbox_recipients_pk', ['inbox_id', 'address'])
        .execute();

      await db.schema.createTable('reputation')
        .addColumn('inbox_id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('since', ms, (c) => c.notNull())
        .addColumn('clean_run', 'integer', (c) => c.notNull())
        .addColumn('recent_json', 'text', (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('reputation_state').on('reputation').column('state').execute();
      await db.schema.createTable('reputation_days')
        .addColumn('inbox_id', 'text', (c) => c.notNull())
        .addColumn('day', 'integer', (c) => c.notNull())
        .addColumn('sent', 'integer', (c) => c.notNull())
        .addColumn('delivered', 'integer', (c) => c.notNull())
        .addColumn('bounced', 'integer', (c) => c.notNull())
        .addColumn('complained', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('reputation_days_pk', ['inbox_id', 'day'])
        .execute();

      // A report quoting only the Message-ID of the bounced mail is matched by it.
      await db.schema.createIndex('messages_message_id').on('messages').column('message_id').execute();
    },
  };
}
