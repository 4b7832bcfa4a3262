import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StaticResolver } from '../../adapters/resolver/static/static-resolver.ts';
import { buildTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { FakeSender, runDeliveries } from '../../../test/helpers/webhooks.ts';
import { MAX_ENDPOINTS_PER_ORG } from '../../core/webhooks/endpoint-service.ts';

const resolver = new StaticResolver({
  hosts: {
    'hooks.example.com': ['93.184.216.34'],
    'loopback.example': ['127.0.0.1'],
    'mixed.example': ['93.184.216.34', '10.1.2.3'],
    'v6-private.example': ['fd12:3456::1'],
  },
});

describe('webhook endpoints API', () => {
  let t: TestApp;
  let key: string;
  // One app; each test gets an org of its own, and orgs share nothing.
  beforeAll(async () => {
    t = await buildTestApp({ resolver, webhookSender: new FakeSender() });
  });
  beforeEach(async () => {
    key = (await t.createOrg()).key;
  });
  afterAll(() => t.close());

  const create = (body: unknown, k = key) => t.request('POST', '/v1/webhooks', { key: k, body });

  describe('happy paths', () => {
    it('creates an endpoint and shows its whsec_ secret once', async () => {
      const res = await create({ url: 'https://hooks.example.com/bw?x=1', events: ['message.received'] });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ url: 'https://hooks.example.com/bw?x=1', events: ['message.received'], inbox_ids: [], enabled: true, disabled_reason: null });
      expect(res.body.id).toMatch(/^whk_/);
      expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      expect(atob(res.body.secret.slice(6)).length).toBeGreaterThanOrEqual(24);
      const got = await t.request('GET', `/v1/webhooks/${res.body.id}`, { key });
      expect(got.status).toBe(200);
      expect(got.body.secret).toBeUndefined();
      const list = await t.request('GET', '/v1/webhooks', { key });
      expect(list.body.data.map((w: { id: string }) => w.id)).toEqual([res.body.id]);
      expect(list.body.data[0].secret).toBeUndefined();
    });

    it('pages the list with a cursor, newest first', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await create({ url: `https://hooks.example.com/${i}` })).body.id);
      const first = await t.request('GET', '/v1/webhooks?limit=2', { key });
      expect(first.body.data.map((w: { id: string }) => w.id)).toEqual([ids[2], ids[1]]);
      const second = await t.request('GET', `/v1/webhooks?limit=2&cursor=${first.body.next_cursor}`, { key });
      expect(second.body).toMatchObject({ data: [{ id: ids[0] }], next_cursor: null });
    });

    it('disables, enables and deletes', async () => {
      const id = (await create({ url: 'https://hooks.example.com/bw' })).body.id;
      expect((await t.request('POST', `/v1/webhooks/${id}/disable`, { key })).body).toMatchObject({ enabled: false, disabled_reason: 'disabled through the API' });
      expect((await t.request('POST', `/v1/webhooks/${id}/test`, { key })).status).toBe(409);
      expect((await t.request('POST', `/v1/webhooks/${id}/enable`, { key })).body).toMatchObject({ enabled: true, disabled_reason: null });
      expect((await t.request('DELETE', `/v1/webhooks/${id}`, { key })).status).toBe(204);
      expect((await t.request('GET', `/v1/webhooks/${id}`, { key })).status).toBe(404);
      expect((await t.request('DELETE', `/v1/webhooks/${id}`, { key })).status).toBe(404);
    });

    it('sends a test event to the tested endpoint only', async () => {
      const a = (await create({ url: 'https://hooks.example.com/a' })).body.id;
      const b = (await create({ url: 'https://hooks.example.com/b' })).body.id;
      const res = await t.request('POST', `/v1/webhooks/${a}/test`, { key });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ type: 'webhook.test' });
      expect((await t.request('GET', `/v1/webhooks/${a}/deliveries`, { key })).body.data).toMatchObject([{ event_id: res.body.event_id, event_type: 'webhook.test', status: 'pending' }]);
      expect((await t.request('GET', `/v1/webhooks/${b}/deliveries`, { key })).body.data).toEqual([]);
    });

    it('outboxes only the events an endpoint filters for', async () => {
      const inboxA = (await t.request('POST', '/v1/inboxes', { key, body: { username: 'a' } })).body;
      const inboxB = (await t.request('POST', '/v1/inboxes', { key, body: { username: 'b' } })).body;
      const all = (await create({ url: 'https://hooks.example.com/all' })).body.id;
      const delivered = (await create({ url: 'https://hooks.example.com/d', events: ['message.delivered'] })).body.id;
      const onlyB = (await create({ url: 'https://hooks.example.com/b', inbox_ids: [inboxB.id] })).body.id;
      const send = await t.request('POST', `/v1/inboxes/${inboxA.id}/messages`, { key, headers: { 'idempotency-key': 'k' }, body: { to: [inboxB.address], text: 'hi' } });
      expect(send.status).toBe(202);
      await runDeliveries(t.deps);
      const types = async (id: string) => (await t.request('GET', `/v1/webhooks/${id}/deliveries`, { key })).body.data.map((d: { event_type: string }) => d.event_type).sort();
      expect(await types(all)).toEqual(['message.delivered', 'message.received']);
      expect(await types(delivered)).toEqual(['message.delivered']);
      expect(await types(onlyB)).toEqual(['message.received']);
    });
  });

  describe('errors', () => {
    it('refuses unknown event types and inboxes', async () => {
      const bad = await create({ url: 'https://hooks.example.com/bw', events: ['message.exploded'] });
      expect(bad.status).toBe(422);
      expect(bad.body.errors[0].path).toBe('events.0');
      const unknown = await create({ url: 'https://hooks.example.com/bw', inbox_ids: ['inb_01JAAAAAAAAAAAAAAAAAAAAAAA'] });
      expect(unknown.status).toBe(422);
      expect(unknown.body.errors[0].path).toBe('inbox_ids.0');
    });

    it(`holds at most ${MAX_ENDPOINTS_PER_ORG} endpoints per org`, async () => {
      for (let i = 0; i < MAX_ENDPOINTS_PER_ORG; i++) expect((await create({ url: `https://hooks.example.com/${i}` })).status).toBe(201);
      const over = await create({ url: 'https://hooks.example.com/over' });
      expect(over.status).toBe(422);
      expect(over.body.rule).toBe(`webhook-endpoints ${MAX_ENDPOINTS_PER_ORG}/org`);
    });

    it('answers 404 for unknown and malformed delivery ids', async () => {
      const id = (await create({ url: 'https://hooks.example.com/bw' })).body.id;
      expect((await t.request('POST', `/v1/webhooks/${id}/deliveries/del_01JAAAAAAAAAAAAAAAAAAAAAAA/replay`, { key })).status).toBe(404);
      expect((await t.request('POST', `/v1/webhooks/${id}/deliveries/nope/replay`, { key })).status).toBe(404);
      expect((await t.request('GET', '/v1/webhooks/whk_nope', { key })).status).toBe(404);
    });
  });

  describe('security', () => {
    it('answers 404 for another org\'s endpoint on every route', async () => {
      const id = (await create({ url: 'https://hooks.example.com/bw' })).body.id;
      const other = (await t.createOrg()).key;
      for (const [method, path] of [
        ['GET', `/v1/webhooks/${id}`], ['DELETE', `/v1/webhooks/${id}`], ['POST', `/v1/webhooks/${id}/enable`],
        ['POST', `/v1/webhooks/${id}/disable`], ['POST', `/v1/webhooks/${id}/test`], ['GET', `/v1/webhooks/${id}/deliveries`],
      ] as const) {
        const res = await t.request(method, path, { key: other });
        expect(res.status, `${method} ${path}`).toBe(404);
      }
      expect((await t.request('GET', '/v1/webhooks', { key: other })).body.data).toEqual([]);
      expect((await t.request('GET', `/v1/webhooks/${id}`, { key })).body.enabled).toBe(true);
    });

    it('needs an org-scoped key', async () => {
      const inbox = (await t.request('POST', '/v1/inboxes', { key, body: {} })).body;
      const scoped = (await t.request('POST', '/v1/keys', { key, body: { scopes: ['inbox'], inbox_ids: [inbox.id] } })).body.api_key;
      const res = await create({ url: 'https://hooks.example.com/bw' }, scoped);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden_scope');
      expect((await t.request('GET', '/v1/webhooks', { key: scoped })).status).toBe(403);
    });

    it('needs a key', async () => {
      expect((await t.request('GET', '/v1/webhooks')).status).toBe(401);
      expect((await t.request('POST', '/v1/webhooks', { body: { url: 'https://hooks.example.com/' } })).status).toBe(401);
    });

    // The SSRF table of issue 3: every one refused at creation when private addresses are not allowed.
    const refused: Array<[string, string]> = [
      ['http://127.0.0.1/hook', 'address_not_allowed'],
      ['http://127.1.2.3:8080/', 'address_not_allowed'],
      ['http://[::1]/', 'address_not_allowed'],
      ['http://10.0.0.1/', 'address_not_allowed'],
      ['http://172.16.0.1/', 'address_not_allowed'],
      ['http://192.168.1.1/', 'address_not_allowed'],
      ['http://169.254.169.254/latest/meta-data/', 'address_not_allowed'],
      ['http://0.0.0.0/', 'address_not_allowed'],
      ['http://100.64.0.1/', 'address_not_allowed'],
      ['http://[fd00::1]/', 'address_not_allowed'],
      ['http://[fe80::1]/', 'address_not_allowed'],
      ['http://[::ffff:127.0.0.1]/', 'address_not_allowed'],
      ['http://[::ffff:169.254.169.254]/', 'address_not_allowed'],
      ['http://2130706433/', 'address_not_allowed'], // 127.0.0.1 in decimal
      ['http://0x7f.1/', 'address_not_allowed'],
      ['http://localhost:3000/', 'address_not_allowed'],
      ['http://loopback.example/hook', 'address_not_allowed'],
      ['http://mixed.example/hook', 'address_not_allowed'],
      ['http://v6-private.example/hook', 'address_not_allowed'],
      ['http://nowhere.example/hook', 'unresolvable'],
      ['ftp://hooks.example.com/', 'scheme_not_allowed'],
      ['file:///etc/passwd', 'scheme_not_allowed'],
      ['https://user:pass@hooks.example.com/', 'credentials_not_allowed'],
      ['not a url', 'invalid_url'],
    ];
    it.each(refused)('refuses %s (%s)', async (url, code) => {
      const res = await create({ url });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'validation_failed', rule: `webhook-url ${code}` });
      expect(res.body.errors[0]).toMatchObject({ path: 'url' });
      expect(res.body.errors[0].message).toContain(code);
      expect(res.body.fix).toBeTruthy();
    });

    it('lets loopback through when the operator allows private addresses, never metadata', async () => {
      const dev = await buildTestApp({ resolver, webhookAllowPrivate: true });
      try {
        const devKey = (await dev.createOrg()).key;
        expect((await dev.request('POST', '/v1/webhooks', { key: devKey, body: { url: 'http://127.0.0.1:9/hook' } })).status).toBe(201);
        expect((await dev.request('POST', '/v1/webhooks', { key: devKey, body: { url: 'http://loopback.example/' } })).status).toBe(201);
        const metadata = await dev.request('POST', '/v1/webhooks', { key: devKey, body: { url: 'http://169.254.169.254/' } });
        expect(metadata.status).toBe(422);
        expect(metadata.body.errors[0].message).toMatch(/metadata/);
      } finally {
        await dev.close();
      }
    });
  });
});
