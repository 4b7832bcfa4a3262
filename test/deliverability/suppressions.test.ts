/**
 * The suppression list (DESIGN §4): the API, and what it does to a send: suppressed recipients
 * are dropped and the message says so; when all are, 422 `suppressed` and nothing is written.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

const T0 = Date.UTC(2025, 5, 1, 12);

describe('suppressions', () => {
  let t: TestApp;
  let now = T0;
  let key: string;
  let inbox: { id: string; address: string };

  beforeAll(async () => {
    t = await buildTestApp({ clock: () => now });
    ({ key } = await t.createOrg());
    inbox = (await t.request('POST', '/v1/inboxes', { key, body: { username: 'sender' } })).body;
  });
  afterAll(() => t.close());

  const suppress = (address: string, extra: Record<string, unknown> = {}, k = key) => t.request('POST', '/v1/suppressions', { key: k, body: { address, ...extra } });
  const send = (body: Record<string, unknown>) => t.request('POST', `/v1/inboxes/${inbox.id}/messages`, {
    key, body: { subject: 'hi', text: 'hello', ...body }, headers: { 'idempotency-key': randomUUID() },
  });
  const count = async (table: 'messages' | 'jobs' | 'message_raw') => Number((await t.store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('adds an address (lower-cased, reason manual by default) and lists it', async () => {
    const res = await suppress('Gone@Example.COM');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ address: 'gone@example.com', reason: 'manual', source: 'api', created_at: new Date(T0).toISOString() });
    const list = await t.request('GET', '/v1/suppressions', { key });
    expect(list.body).toEqual({ data: [res.body], next_cursor: null });
  });

  it('refuses a send whose every recipient is suppressed: 422 suppressed, with rule and fix, nothing written', async () => {
    await suppress('also-gone@example.com', { reason: 'unsubscribe' });
    const before = await Promise.all([count('messages'), count('jobs'), count('message_raw')]);
    const res = await send({ to: ['GONE@example.com'], cc: ['also-gone@example.com'] });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      code: 'suppressed', rule: 'suppression list', fix: expect.stringMatching(/DELETE \/v1\/suppressions/),
      suppressed: expect.arrayContaining(['gone@example.com', 'also-gone@example.com']),
    });
    expect(await Promise.all([count('messages'), count('jobs'), count('message_raw')])).toEqual(before);
  });

  it('sends to the rest and records the drop on the message: status_reason and the queued event', async () => {
    const res = await send({ to: ['gone@example.com', 'alive@example.com'], bcc: ['also-gone@example.com'] });
    expect(res.status).toBe(202);
    const m = (await t.request('GET', `/v1/messages/${res.body.id}`, { key })).body;
    expect(m.to).toEqual(['alive@example.com']);
    expect(m.bcc).toEqual([]);
    expect(m.status_reason).toBe('2 suppressed recipients dropped: gone@example.com, also-gone@example.com');
    expect(m.events[0]).toMatchObject({ type: 'queued', detail: { suppressed: ['gone@example.com', 'also-gone@example.com'] } });
    const raw = await (await t.app.request(`/v1/messages/${res.body.id}/raw`, { headers: { authorization: `Bearer ${key}` } })).text();
    expect(raw).not.toMatch(/gone@example\.com/);
  });

  it('removes an address: the next send goes through; an unknown one is 404', async () => {
    expect((await t.request('DELETE', '/v1/suppressions/also-gone@example.com', { key })).status).toBe(204);
    expect((await send({ to: ['also-gone@example.com'] })).status).toBe(202);
    const missing = await t.request('DELETE', '/v1/suppressions/never@example.com', { key });
    expect(missing.status).toBe(404);
    expect((await t.request('DELETE', `/v1/suppressions/${encodeURIComponent('not an address')}`, { key })).status).toBe(404);
  });

  it('lets a manual entry expire after its ttl', async () => {
    const res = await suppress('later@example.com', { ttl_seconds: 60 });
    expect(res.body.expires_at).toBe(new Date(now + 60_000).toISOString());
    expect((await send({ to: ['later@example.com'] })).status).toBe(422);
    now += 61_000;
    expect((await send({ to: ['later@example.com'] })).status).toBe(202);
    const listed = (await t.request('GET', '/v1/suppressions', { key })).body.data.map((s: { address: string }) => s.address);
    expect(listed).not.toContain('later@example.com');
  });

  it('pages newest first with a cursor', async () => {
    const { key: k } = await t.createOrg();
    for (const a of ['p1@example.com', 'p2@example.com', 'p3@example.com']) {
      now += 1;
      await suppress(a, {}, k);
    }
    const first = await t.request('GET', '/v1/suppressions?limit=2', { key: k });
    expect(first.body.data.map((s: { address: string }) => s.address)).toEqual(['p3@example.com', 'p2@example.com']);
    const second = await t.request('GET', `/v1/suppressions?limit=2&cursor=${first.body.next_cursor}`, { key: k });
    expect(second.body).toMatchObject({ data: [{ address: 'p1@example.com' }], next_cursor: null });
  });

  it('is per org: another org still sends to the address', async () => {
    const { key: k } = await t.createOrg();
    const box = (await t.request('POST', '/v1/inboxes', { key: k, body: {} })).body;
    const res = await t.request('POST', `/v1/inboxes/${box.id}/messages`, { key: k, body: { to: ['gone@example.com'], text: 'x' }, headers: { 'idempotency-key': randomUUID() } });
    expect(res.status).toBe(202);
  });

  it('is managed with an org key: an inbox-scoped key reads it but cannot change it', async () => {
    const scoped = (await t.request('POST', '/v1/keys', { key, body: { scopes: ['inbox'], inbox_ids: [inbox.id] } })).body.api_key;
    expect((await suppress('x@example.com', {}, scoped)).body.code).toBe('forbidden_scope');
    expect((await t.request('DELETE', '/v1/suppressions/gone@example.com', { key: scoped })).body.code).toBe('forbidden_scope');
    expect((await t.request('GET', '/v1/suppressions', { key: scoped })).status).toBe(200);
  });

  it.each([
    ['an invalid address', { address: 'not-an-address' }],
    ['an unknown reason', { address: 'a@example.com', reason: 'because' }],
    ['a ttl under a minute', { address: 'a@example.com', ttl_seconds: 5 }],
  ])('validates the body: %s', async (_name, body) => {
    const res = await t.request('POST', '/v1/suppressions', { key, body });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('validation_failed');
  });
});
