import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN } from '../../../test/helpers/app.ts';
import { observedApp, type ObservedApp } from '../../../test/helpers/observed-app.ts';

let t: ObservedApp;
beforeEach(async () => {
  t = await observedApp();
});
afterEach(() => t.close());

const send = (key: string, inboxId: string, to: string) => t.request('POST', `/v1/inboxes/${inboxId}/messages`, {
  key, body: { to: [to], subject: `to ${to}`, text: 'hello' }, headers: { 'idempotency-key': `idem-${to}` },
});

describe('the operator\'s cross-org routes', () => {
  it.each(['/v1/admin/inboxes', '/v1/admin/messages', '/v1/admin/webhook-deliveries'])('%s refuses org keys and anonymous calls', async (path) => {
    const { key } = await t.org();
    expect((await t.request('GET', path)).status).toBe(401);
    expect((await t.request('GET', path, { key })).body.code).toBe('forbidden_scope');
  });

  it('lists identities of every org, the busiest first, with traffic, limits and quarantines', async () => {
    const a = await t.org('a');
    const b = await t.org('b');
    const quiet = await t.inbox(a.key, 'quiet');
    const busy = await t.inbox(b.key, 'busy');
    for (let i = 0; i < 5; i++) await send(b.key, busy.id, `x${i}@example.com`);
    const q = await t.request('POST', '/v1/quarantine', { key: OPERATOR_TOKEN, body: { kind: 'inbox', target: quiet.id, lane: 'outbound', reason: 'test', ttl_seconds: 60 } });
    expect(q.status).toBe(201);

    const res = await t.request('GET', '/v1/admin/inboxes', { key: OPERATOR_TOKEN });
    expect(res.status).toBe(200);
    expect(res.body.data.map((r: { id: string }) => r.id)).toEqual([busy.id, quiet.id]);
    expect(res.body.data[0]).toMatchObject({
      org_id: b.orgId, address: busy.address, reputation: { state: 'healthy' }, traffic: { requests: 5, rejected: 0 },
      limits: { send: expect.stringMatching(/^inbox-send /) }, quarantine: [],
    });
    expect(res.body.data[1]).toMatchObject({ org_id: a.orgId, quarantine: [{ id: q.body.id, lane: 'outbound', source: 'operator' }] });
  });

  it('lists the sandbox of held mail across orgs', async () => {
    const a = await t.org('a');
    const b = await t.org('b');
    const ia = await t.inbox(a.key, 'one');
    const ib = await t.inbox(b.key, 'two');
    await send(a.key, ia.id, 'first@example.com');
    await send(b.key, ib.id, 'second@example.net');
    expect(await t.deliverAll()).toBe(2);
    const res = await t.request('GET', '/v1/admin/messages?status=sandboxed', { key: OPERATOR_TOKEN });
    expect(res.body.data).toMatchObject([
      { org_id: b.orgId, inbox_id: ib.id, status: 'sandboxed', to: ['second@example.net'] },
      { org_id: a.orgId, inbox_id: ia.id, status: 'sandboxed', to: ['first@example.com'] },
    ]);
    expect(res.body.data[0].text).toBeUndefined();
    const paged = await t.request('GET', `/v1/admin/messages?limit=1`, { key: OPERATOR_TOKEN });
    expect(paged.body.next_cursor).toBe(res.body.data[0].id);
  });

  it('lists dead-lettered webhook deliveries of every org and replays one', async () => {
    const w = await observedApp({ webhookAllowPrivate: true });
    const { key, orgId } = await w.org('hooks');
    const hook = await w.request('POST', '/v1/webhooks', { key, body: { url: 'http://127.0.0.1:9/hook', events: [] } });
    expect(hook.status).toBe(201);
    expect((await w.request('POST', `/v1/webhooks/${hook.body.id}/test`, { key })).status).toBe(202);
    // Eight failed attempts over a day, compressed: the row as the worker leaves it.
    await w.store.db.updateTable('webhook_deliveries').set({ status: 'dead', attempts: 8, last_error: 'connection refused' }).execute();

    const dead = await w.request('GET', '/v1/admin/webhook-deliveries', { key: OPERATOR_TOKEN });
    expect(dead.body.data).toMatchObject([{ org_id: orgId, webhook_id: hook.body.id, url: 'http://127.0.0.1:9/hook', event_type: 'webhook.test', status: 'dead', attempt_count: 8, last_error: 'connection refused' }]);
    const replay = await w.request('POST', `/v1/admin/webhooks/${hook.body.id}/deliveries/${dead.body.data[0].id}/replay`, { key: OPERATOR_TOKEN });
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ id: dead.body.data[0].id, status: 'pending' });
    expect((await w.request('GET', '/v1/admin/webhook-deliveries', { key: OPERATOR_TOKEN })).body.data).toEqual([]);
    await w.close();
  });

  it('answers 404 for a replay of an unknown webhook', async () => {
    const res = await t.request('POST', '/v1/admin/webhooks/whk_01ARZ3NDEKTSV4RRFFQ69G5FAV/deliveries/del_01ARZ3NDEKTSV4RRFFQ69G5FAV/replay', { key: OPERATOR_TOKEN });
    expect(res.status).toBe(404);
  });
});

describe('dashboard sign-in', () => {
  const login = (token: string) => t.raw('POST', '/dashboard/login', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });

  it('serves the page with a strict CSP and its assets locally; unknown assets are 404', async () => {
    const page = await t.raw('GET', '/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    expect(await page.text()).toContain('/dashboard/assets/uPlot.iife.min.js');
    const uplot = await t.raw('GET', '/dashboard/assets/uPlot.iife.min.js');
    expect(uplot.headers.get('content-type')).toMatch(/javascript/);
    expect((await uplot.text()).length).toBeGreaterThan(10_000);
    expect((await t.raw('GET', '/dashboard/assets/..%2Fpackage.json')).status).toBe(404);
    expect((await t.raw('GET', '/dashboard/assets/constructor')).status).toBe(404);
  });

  it('trades the operator token for an HttpOnly, SameSite=Strict cookie; a wrong token is 401', async () => {
    expect((await login('bwop_wrong_token_000000000000')).status).toBe(401);
    const res = await login(OPERATOR_TOKEN);
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^bw_dashboard=v1\.\d+\.[\w-]+\.[\w-]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=28800$/);
    expect(cookie).not.toContain(OPERATOR_TOKEN);
    const { csrf_token: csrf } = await res.json() as { csrf_token: string };
    const session = cookie.split(';')[0]!;

    // Reads work with the cookie alone; unsafe methods need the CSRF token as well.
    expect((await t.raw('GET', '/v1/admin/inboxes', { headers: { cookie: session } })).status).toBe(200);
    expect((await t.raw('GET', '/metrics', { headers: { cookie: session } })).status).toBe(200);
    const body = JSON.stringify({ kind: 'domain', target: 'spam.example', lane: 'inbound', reason: 'test', ttl_seconds: 60 });
    const json = { cookie: session, 'content-type': 'application/json' };
    const noCsrf = await t.raw('POST', '/v1/quarantine', { headers: json, body });
    expect(noCsrf.status).toBe(401);
    expect((await t.raw('POST', '/v1/quarantine', { headers: { ...json, 'x-csrf-token': 'forged' }, body })).status).toBe(401);
    expect((await t.raw('POST', '/v1/quarantine', { headers: { ...json, 'x-csrf-token': csrf }, body })).status).toBe(201);

    // The session endpoint hands the CSRF token back to a reloaded page, and nulls without a session.
    expect(await (await t.raw('GET', '/dashboard/session', { headers: { cookie: session } })).json()).toMatchObject({ csrf_token: csrf });
    expect(await (await t.raw('GET', '/dashboard/session')).json()).toEqual({ csrf_token: null, expires_at: null });
  });

  it('refuses forged, tampered and expired cookies, and never lets a cookie stand in for an org key', async () => {
    const res = await login(OPERATOR_TOKEN);
    const session = res.headers.get('set-cookie')!.split(';')[0]!;
    const [, value] = session.split('=');
    const [v, exp, nonce, sig] = value!.split('.');
    const forged = `bw_dashboard=${v}.${Number(exp) + 1000}.${nonce}.${sig}`;
    expect((await t.raw('GET', '/v1/admin/inboxes', { headers: { cookie: forged } })).status).toBe(401);
    expect((await t.raw('GET', '/v1/admin/inboxes', { headers: { cookie: 'bw_dashboard=garbage' } })).status).toBe(401);
    // Key-only routes ignore the cookie.
    expect((await t.raw('GET', '/v1/inboxes', { headers: { cookie: session } })).status).toBe(401);
    const out = await t.raw('POST', '/dashboard/logout');
    expect(out.headers.get('set-cookie')).toMatch(/^bw_dashboard=; .*Max-Age=0/);
  });

  it('spends the address\'s auth-failure bucket on wrong tokens', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login(`bwop_wrong_${i}_000000000000000`)).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // Even the right token waits now: guessing costs the guesser.
    expect((await login(OPERATOR_TOKEN)).status).toBe(429);
  });
});
