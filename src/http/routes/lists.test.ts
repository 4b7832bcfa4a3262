import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { runDeliveries } from '../../../test/helpers/webhooks.ts';

describe('allow and block lists API', () => {
  let t: TestApp;
  let key: string;
  let inbox: { id: string; address: string };
  let other: { id: string; address: string };

  beforeAll(async () => {
    t = await buildTestApp({ deliverability: false });
  });
  // Addresses are global: each test's inboxes get names of their own.
  let n = 0;
  const newInbox = async (k = key) => (await t.request('POST', '/v1/inboxes', { key: k, body: { username: `agent-${++n}` } })).body;
  beforeEach(async () => {
    key = (await t.createOrg()).key;
    inbox = await newInbox();
    other = await newInbox();
  });
  afterAll(() => t.close());

  const add = (body: Record<string, unknown>, k = key) => t.request('POST', '/v1/lists', { key: k, body });
  const check = (address: string, direction = 'inbound', inboxId = inbox.id, k = key) =>
    t.request('GET', `/v1/lists/check?inbox_id=${inboxId}&direction=${direction}&address=${encodeURIComponent(address)}`, { key: k });
  const send = (to: string[], ik: string, from = inbox.id) =>
    t.request('POST', `/v1/inboxes/${from}/messages`, { key, headers: { 'idempotency-key': ik }, body: { to, subject: 'hi', text: 'hello' } });

  describe('happy paths', () => {
    it('creates, reads, lists and deletes entries; patterns are normalised', async () => {
      const created = await add({ inbox_id: inbox.id, direction: 'inbound', action: 'block', pattern: 'Spam.Example.', note: 'noise' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ inbox_id: inbox.id, direction: 'inbound', action: 'block', pattern: 'spam.example', note: 'noise' });
      expect(created.body.id).toMatch(/^lst_/);
      const org = await add({ direction: 'outbound', action: 'allow', pattern: '*.partner.example' });
      expect(org.body).toMatchObject({ inbox_id: null, pattern: '*.partner.example' });

      expect((await t.request('GET', `/v1/lists/${created.body.id}`, { key })).body).toEqual(created.body);
      const all = await t.request('GET', '/v1/lists', { key });
      expect(all.body.data.map((e: { id: string }) => e.id)).toEqual([org.body.id, created.body.id]);
      expect((await t.request('GET', '/v1/lists?scope=org', { key })).body.data).toHaveLength(1);
      expect((await t.request('GET', `/v1/lists?inbox_id=${inbox.id}&direction=inbound`, { key })).body.data).toHaveLength(1);
      const page = await t.request('GET', '/v1/lists?limit=1', { key });
      expect(page.body.next_cursor).toBe(org.body.id);

      expect((await t.request('DELETE', `/v1/lists/${created.body.id}`, { key })).status).toBe(204);
      expect((await t.request('GET', `/v1/lists/${created.body.id}`, { key })).status).toBe(404);
    });

    it('the most specific entry wins, and a change applies at once', async () => {
      await add({ direction: 'inbound', action: 'block', pattern: 'partner.example' });
      expect((await check('alice@partner.example')).body).toMatchObject({ allowed: false, rule: 'inbound block partner.example (org list)' });
      const allowAlice = await add({ direction: 'inbound', action: 'allow', pattern: 'alice@partner.example' });
      // An org allow entry makes the org's inbound list an allow list: alice in, everyone else out.
      expect((await check('alice@partner.example')).body).toMatchObject({ allowed: true, entry: { id: allowAlice.body.id } });
      expect((await check('bob@elsewhere.example')).body).toMatchObject({ allowed: false, entry: null });
      // Inbox entries beat org entries.
      await add({ inbox_id: inbox.id, direction: 'inbound', action: 'block', pattern: 'alice@partner.example' });
      expect((await check('alice@partner.example')).body).toMatchObject({ allowed: false, rule: 'inbound block alice@partner.example (inbox list)' });
      expect((await check('alice@partner.example', 'inbound', other.id)).body.allowed).toBe(true);
      await t.request('DELETE', `/v1/lists/${allowAlice.body.id}`, { key });
      expect((await check('bob@elsewhere.example')).body.allowed).toBe(true);
    });
  });

  describe('errors', () => {
    it.each([
      [{ direction: 'inbound', action: 'block', pattern: 'not a pattern' }, 'pattern'],
      [{ direction: 'inbound', action: 'block', pattern: '*.com' }, 'pattern'],
      [{ direction: 'sideways', action: 'block', pattern: 'x.example' }, 'direction'],
      [{ direction: 'inbound', action: 'maybe', pattern: 'x.example' }, 'action'],
      [{ direction: 'inbound', action: 'block', pattern: 'x.example', extra: 1 }, ''],
    ])('422 for %j', async (body, path) => {
      const res = await add(body);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('validation_failed');
      if (path) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    });

    it('422 for an inbox of another org; 409 for the same pattern twice in one scope', async () => {
      const stranger = (await t.createOrg()).key;
      const theirs = await newInbox(stranger);
      expect((await add({ inbox_id: theirs.id, direction: 'inbound', action: 'block', pattern: 'x.example' })).status).toBe(422);
      const first = await add({ direction: 'inbound', action: 'block', pattern: 'x.example' });
      const again = await add({ direction: 'inbound', action: 'allow', pattern: 'X.example' });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'conflict', existing_id: first.body.id });
      // Another scope or direction is another entry.
      expect((await add({ inbox_id: inbox.id, direction: 'inbound', action: 'allow', pattern: 'x.example' })).status).toBe(201);
      expect((await add({ direction: 'outbound', action: 'block', pattern: 'x.example' })).status).toBe(201);
    });
  });

  describe('security', () => {
    it('an inbox-scoped key manages only its inboxes’ entries; org entries and other orgs are invisible', async () => {
      const scoped = (await t.request('POST', '/v1/keys', { key, body: { scopes: ['inbox'], inbox_ids: [inbox.id] } })).body.api_key;
      const orgEntry = await add({ direction: 'inbound', action: 'block', pattern: 'org.example' });
      const otherEntry = await add({ inbox_id: other.id, direction: 'inbound', action: 'block', pattern: 'o.example' });
      expect((await add({ direction: 'inbound', action: 'block', pattern: 'a.example' }, scoped)).status).toBe(403);
      expect((await add({ inbox_id: other.id, direction: 'inbound', action: 'block', pattern: 'a.example' }, scoped)).status).toBe(404);
      const mine = await add({ inbox_id: inbox.id, direction: 'inbound', action: 'block', pattern: 'a.example' }, scoped);
      expect(mine.status).toBe(201);
      expect((await t.request('GET', '/v1/lists', { key: scoped })).body.data.map((e: { id: string }) => e.id)).toEqual([mine.body.id]);
      expect((await t.request('GET', '/v1/lists?scope=org', { key: scoped })).status).toBe(403);
      for (const id of [orgEntry.body.id, otherEntry.body.id]) {
        expect((await t.request('GET', `/v1/lists/${id}`, { key: scoped })).status).toBe(404);
        expect((await t.request('DELETE', `/v1/lists/${id}`, { key: scoped })).status).toBe(404);
      }
      const stranger = (await t.createOrg()).key;
      expect((await t.request('GET', `/v1/lists/${mine.body.id}`, { key: stranger })).status).toBe(404);
      expect((await t.request('DELETE', `/v1/lists/${mine.body.id}`, { key: stranger })).status).toBe(404);
      expect((await check('x@a.example', 'inbound', inbox.id, stranger)).status).toBe(404);
    });
  });

  describe('enforcement on sends and on hosted-to-hosted mail', () => {
    it('a send to an outbound-blocked recipient is refused 403 recipient_blocked, naming the rule and the fix', async () => {
      const entry = await add({ inbox_id: inbox.id, direction: 'outbound', action: 'block', pattern: 'competitor.example' });
      const res = await send(['ok@fine.example', 'ceo@competitor.example'], 'k1');
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'recipient_blocked', rule: 'outbound block competitor.example (inbox list)' });
      expect(res.body.fix).toContain(entry.body.id);
      expect((await send(['ok@fine.example'], 'k2')).status).toBe(202);
      // An outbound allow list: only partners.
      await add({ direction: 'outbound', action: 'allow', pattern: '*.partner.example' });
      expect((await send(['a@eu.partner.example'], 'k3')).status).toBe(202);
      const outside = await send(['a@fine.example'], 'k4');
      expect(outside.body).toMatchObject({ code: 'recipient_blocked', rule: 'outbound allow list (org list): a@fine.example is not on it' });
    });

    it('local delivery obeys the recipient inbox’s inbound list; the others still get the mail', async () => {
      const third = await newInbox();
      await add({ inbox_id: other.id, direction: 'inbound', action: 'block', pattern: inbox.address });
      expect((await send([other.address, third.address], 'local-1')).status).toBe(202);
      await runDeliveries(t.deps);
      const inboxOf = async (id: string) => (await t.request('GET', `/v1/inboxes/${id}/messages?direction=inbound`, { key })).body.data;
      expect(await inboxOf(other.id)).toHaveLength(0);
      const [got] = await inboxOf(third.id);
      expect(got).toMatchObject({ trusted: true, auth: { spf: 'pass', dkim: 'pass', dmarc: 'pass', from_domain: 'agents.localhost' }, extracted_text: 'hello' });
      const sent = (await t.request('GET', `/v1/inboxes/${inbox.id}/messages?direction=outbound`, { key })).body.data[0];
      expect(sent.status).toBe('delivered');
      const full = (await t.request('GET', `/v1/messages/${sent.id}`, { key })).body;
      const delivered = full.events.find((e: { type: string }) => e.type === 'delivered');
      expect(delivered.detail.refused).toEqual([{ recipient: other.address, rule: `inbound block ${inbox.address} (inbox list)` }]);
      // Refused by every recipient: the message fails with the rule.
      expect((await send([other.address], 'local-2')).status).toBe(202);
      await runDeliveries(t.deps);
      const failed = (await t.request('GET', `/v1/inboxes/${inbox.id}/messages?direction=outbound&status=failed`, { key })).body.data[0];
      expect(failed.status_reason).toMatch(/^refused by the recipient's list: inbound block/);
    });
  });
});
