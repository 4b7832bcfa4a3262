import type { Kysely, Migration } from 'kysely';

/**
 * RFC 3834 on each message: was it sent by a machine (an auto-reply, a bounce, a report), so an
 * agent can tell before it answers. An integer like `trusted` (SQLite and D1 have no boolean);
 * rows stored before this migration read 0, the honest answer for mail nobody classified.
 */
export function autoSubmitted(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('messages').addColumn('auto_submitted', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  };
}
