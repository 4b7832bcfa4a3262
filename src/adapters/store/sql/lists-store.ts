import type { Kysely } from 'kysely';
import type { ListEntry, ListFilter, ListStore } from '../../../core/inbound/lists.ts';
import type { Page } from '../../../core/model.ts';
import type { ListOptions } from '../../../core/ports.ts';
import type { Tx } from './event-log.ts';
import type { Database, ListEntriesTable } from './schema.ts';
import type { SqlWrites } from './writes.ts';

const toEntry = (r: ListEntriesTable): ListEntry => ({
  id: r.id, orgId: r.org_id, inboxId: r.inbox_id, direction: r.direction as ListEntry['direction'],
  action: r.action as ListEntry['action'], pattern: r.pattern, note: r.note, createdAt: Number(r.created_at),
});

/**
 * Allow and block list entries in the primary database, on any Kysely dialect. Read in full per
 * org by the in-memory ListRegistry; the API pages them. Writes are rare: without `writes` each
 * is a plain transaction; a store that must serialise its writers (D1) passes its own, and the
 * bodies follow SqlWrites' rule (read, decide, write).
 */
export class SqlListStore implements ListStore {
  private readonly writes: Pick<SqlWrites, 'write'>;

  constructor(private readonly db: Kysely<Database>, writes?: Pick<SqlWrites, 'write'>) {
    this.writes = writes ?? { write: <T>(fn: (trx: Tx) => Promise<T>) => db.transaction().execute(fn) };
  }

  async loadEntries(orgId: string): Promise<ListEntry[]> {
    const rows = await this.db.selectFrom('list_entries').selectAll().where('org_id', '=', orgId).execute();
    return rows.map(toEntry);
  }

  async pageEntries(orgId: string, { cursor, limit, inboxIds, scope, direction }: ListOptions & ListFilter): Promise<Page<ListEntry>> {
    if (inboxIds && inboxIds.length === 0) return { data: [], nextCursor: null };
    let q = this.db.selectFrom('list_entries').selectAll().where('org_id', '=', orgId);
    if (inboxIds) q = q.where('inbox_id', 'in', inboxIds);
    if (scope === 'org') q = q.where('inbox_id', 'is', null);
    else if (scope) q = q.where('inbox_id', '=', scope);
    if (direction) q = q.where('direction', '=', direction);
    if (cursor) q = q.where('id', '<', cursor);
    const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
    const more = rows.length > limit;
    const data = (more ? rows.slice(0, limit) : rows).map(toEntry);
    return { data, nextCursor: more ? data[data.length - 1]!.id : null };
  }

  async insertEntry(e: ListEntry): Promise<{ ok: true } | { ok: false; existing: ListEntry }> {
    return this.writes.write(async (trx) => {
      // Checked in the transaction, not by a unique index: inbox_id NULL (org-wide) would never
      // collide in one. Two concurrent creates may both pass; the index then reads block first.
      let q = trx.selectFrom('list_entries').selectAll().where('org_id', '=', e.orgId)
        .where('direction', '=', e.direction).where('pattern', '=', e.pattern);
      q = e.inboxId === null ? q.where('inbox_id', 'is', null) : q.where('inbox_id', '=', e.inboxId);
      const existing = await q.executeTakeFirst();
      if (existing) return { ok: false as const, existing: toEntry(existing) };
      await trx.insertInto('list_entries').values({
        id: e.id, org_id: e.orgId, inbox_id: e.inboxId, direction: e.direction, action: e.action, pattern: e.pattern,
        note: e.note, created_at: e.createdAt,
      }).execute();
      return { ok: true as const };
    });
  }

  async countEntries(orgId: string): Promise<number> {
    const row = await this.db.selectFrom('list_entries').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async getEntry(orgId: string, id: string): Promise<ListEntry | null> {
    const row = await this.db.selectFrom('list_entries').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return row ? toEntry(row) : null;
  }

  async deleteEntry(orgId: string, id: string): Promise<ListEntry | null> {
    return this.writes.write(async (trx) => {
      const row = await trx.selectFrom('list_entries').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      if (!row) return null;
      await trx.deleteFrom('list_entries').where('id', '=', id).execute();
      return toEntry(row);
    });
  }
}
