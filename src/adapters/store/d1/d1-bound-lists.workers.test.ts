import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../core/ids.ts';
import type { Inbox } from '../../../core/model.ts';
import { SqlAdminReads } from '../sql/admin-reads.ts';
import { ids, makeInbox, makeKey, makeOrg, makeStored, T0, tag } from '../store-contract-fixtures.ts';
import { D1Store } from './d1-store.ts';

/** D1 refuses a statement binding more than this many values. */
const D1_MAX_BOUND = 100;
const SCOPED = 150;

const sorted = (xs: string[]) => [...xs].sort();

describe('value lists on D1', () => {
  const store = new D1Store(env.DB);
  const org = makeOrg();
  let scoped: Inbox[];
  let outside: Inbox;
  let scope: string[];

  beforeAll(async () => {
    await store.migrate();
    await store.createOrg(org, makeKey(org.id));
    scoped = Array.from({ length: SCOPED }, (_, i) => makeInbox(org.id, T0 + i));
    outside = makeInbox(org.id, T0 + SCOPED);
    for (const inbox of [...scoped, outside]) {
      expect(await store.insertInbox(inbox)).toBe(true);
      await store.storeInbound([makeStored(inbox, { direction: 'inbound' })]);
      const entry = { id: newId('lst'), orgId: org.id, inboxId: inbox.id, direction: 'inbound' as const, action: 'block' as const, pattern: `${tag()}.example`, note: null, createdAt: T0 };
      expect(await store.lists.insertEntry(entry)).toEqual({ ok: true });
    }
    // As an inbox-scoped key carries them: through its row and back.
    const key = makeKey(org.id, { scope: 'inbox', inboxIds: ids(scoped) });
    await store.insertKey(key);
    scope = (await store.getKeyByHash(key.hash))!.inboxIds;
    expect(scope).toHaveLength(SCOPED);
  });

  it('bind as one value however long they are, and select what IN (?, ?, …) selects', async () => {
    const compiled = store.db.selectFrom('inboxes').select('id').where('id', 'in', scope).where('org_id', '=', org.id).compile();
    expect(compiled.parameters).toHaveLength(2);
    expect(compiled.sql).toMatch(/"id" in \(select value from json_each\(\?\)\)/);
    const [a, b] = [scoped[0]!.id, scoped[1]!.id];
    const found = await store.db.selectFrom('inboxes').select('id').where('id', 'in', [a, b, 'inb_missing']).execute();
    expect(sorted(found.map((r) => r.id))).toEqual(sorted([a, b]));
    const rest = await store.db.selectFrom('inboxes').select('id').where('org_id', '=', org.id).where('id', 'not in', scope).execute();
    expect(rest.map((r) => r.id)).toEqual([outside.id]);
    // A multi-row insert is a list of rows, not an IN list: it binds as before.
    const insert = store.db.insertInto('inbox_recipients').values([{ inbox_id: a, address: 'x@example.com', first_at: 1 }, { inbox_id: a, address: 'y@example.com', first_at: 1 }]).compile();
    expect(insert.parameters).toHaveLength(6);
  });

  it(`lets a key scoped to ${SCOPED} inboxes list them, page by page`, async () => {
    expect(SCOPED).toBeGreaterThan(D1_MAX_BOUND);
    const first = await store.listInboxes(org.id, { ids: scope, limit: 100 });
    expect(first.data).toHaveLength(100);
    const second = await store.listInboxes(org.id, { ids: scope, limit: 100, cursor: first.nextCursor! });
    expect(second.nextCursor).toBeNull();
    expect(sorted([...ids(first.data), ...ids(second.data)])).toEqual(sorted(scope));
    const admin = await new SqlAdminReads(store.db).listInboxes({ ids: scope, limit: 200 });
    expect(sorted(ids(admin.data))).toEqual(sorted(scope));
  });

  it(`filters threads, events and list entries by ${SCOPED} inboxes`, async () => {
    const threads = await store.listThreads(org.id, { inboxIds: scope, limit: 200 });
    expect(sorted(threads.data.map((t) => t.inboxId))).toEqual(sorted(scope));
    const events = await store.listEvents(org.id, { after: null, limit: 200, inboxIds: scope, types: ['message.received'] });
    expect(sorted(events.data.map((e) => e.inboxId!))).toEqual(sorted(scope));
    const entries = await store.lists.pageEntries(org.id, { inboxIds: scope, limit: 200 });
    expect(sorted(entries.data.map((e) => e.inboxId!))).toEqual(sorted(scope));
  });

  it('finds a thread among more Message-IDs than D1 binds', async () => {
    const inbox = scoped[0]!;
    const [message] = await store.listMessages(inbox.id, { limit: 1 }).then((p) => p.data);
    const references = [...Array.from({ length: SCOPED }, () => `<${tag()}@elsewhere.test>`), message!.messageId];
    expect(await store.findThreadByMessageIds(inbox.id, references)).toBe(message!.threadId);
  });

  it('has D1 refuse the same list bound value by value: the limit the compiler works around', async () => {
    const placeholders = scope.map(() => '?').join(', ');
    await expect(env.DB.prepare(`select id from inboxes where id in (${placeholders})`).bind(...scope).all()).rejects.toThrow(/too many SQL variables/i);
  });
});
