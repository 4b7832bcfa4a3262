import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { FakeSender, MutableResolver, runDeliveries, runWebhooks } from '../../../test/helpers/webhooks.ts';
import { DEFAULT_MAX_BODY_BYTES } from './payload.ts';
import { DISABLE_ENDPOINT_AFTER_MS, RETRY_SCHEDULE_MS } from './schedule.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const DAY = 24 * 3600_000;

describe('webhook delivery worker (injected clock, fake sender)', () => {
  let now: number;
  let t: TestApp;
  let sender: FakeSender;
  let resolver: MutableResolver;
  let key: string;

  beforeEach(async () => {
    now = T0;
    sender = new FakeSender();
    resolver = new MutableResolver({ 'hooks.example.com': ['93.184.216.34'], 'other.example.com': ['93.184.216.35'] });
    t = await buildTestApp({ clock: () => now, resolver, webhookSender: sender });
    key = (await t.createOrg()).key;
  });
  afterEach(() => t.close());

  async function createWebhook(body: Record<string, unknown> = {}): Promise<string> {
    const res = await t.request('POST', '/v1/webhooks', { key, body: { url: 'https://hooks.example.com/bw', ...body } });
    expect(res.status).toBe(201);
    return res.body.id;
  }
  const deliveries = async (id: string) => (await t.request('GET', `/v1/webhooks/${id}/deliveries`, { key })).body.data;
  const test = async (id: string) => (await t.request('POST', `/v1/webhooks/${id}/test`, { key })).body.event_id as string;

  it('retries at 0 s, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then dead-letters; a replay delivers under the same webhook-id', async () => {
    const id = await createWebhook();
    sender.fallback = { status: 500 };
    const eventId = await test(id);
    for (let attempt = 1; attempt <= RETRY_SCHEDULE_MS.length; attempt++) {
      expect(await runWebhooks(t.deps)).toHaveLength(1);
      expect(sender.requests).toHaveLength(attempt);
      const [d] = await deliveries(id);
      expect(d.attempt_count).toBe(attempt);
      if (attempt === RETRY_SCHEDULE_MS.length) break;
      const due = now + RETRY_SCHEDULE_MS[attempt]!;
      expect(d).toMatchObject({ status: 'pending', last_status: 500, next_attempt_at: new Date(due).toISOString() });
      // Not a millisecond early.
      now = due - 1;
      expect(await runWebhooks(t.deps)).toHaveLength(0);
      now = due;
    }
    const [dead] = await deliveries(id);
    expect(dead).toMatchObject({ status: 'dead', next_attempt_at: null, attempt_count: 8 });
    expect(dead.attempts.map((a: { status_code: number }) => a.status_code)).toEqual(Array(8).fill(500));
    expect(dead.attempts.at(-1).next_attempt_at).toBeNull();
    expect(await runWebhooks(t.deps)).toHaveLength(0);

    sender.fallback = { status: 200 };
    now += 3600_000;
    const replay = await t.request('POST', `/v1/webhooks/${id}/deliveries/${dead.id}/replay`, { key });
    expect(replay.status).toBe(202);
    expect(replay.body.status).toBe('pending');
    await runWebhooks(t.deps);
    const [done] = await deliveries(id);
    expect(done).toMatchObject({ status: 'succeeded', attempt_count: 9, last_status: 200 });
    // Every attempt: the same webhook-id (the event id), a timestamp of its own.
    expect(new Set(sender.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([eventId]));
    expect(new Set(sender.requests.map((r) => r.headers['webhook-timestamp'])).size).toBe(9);
  });

  it('disables the endpoint on 410 and says so with a webhook.endpoint_disabled event', async () => {
    const gone = await createWebhook();
    const watcher = await createWebhook({ url: 'https://other.example.com/bw', events: ['webhook.endpoint_disabled'] });
    sender.next = [{ status: 410 }];
    await test(gone);
    await runWebhooks(t.deps);
    const endpoint = (await t.request('GET', `/v1/webhooks/${gone}`, { key })).body;
    expect(endpoint).toMatchObject({ enabled: false });
    expect(endpoint.disabled_reason).toMatch(/410/);
    expect((await deliveries(gone))[0]).toMatchObject({ status: 'failed', last_status: 410 });
    const events = (await t.request('GET', '/v1/events?type=webhook.endpoint_disabled', { key })).body.data;
    expect(events).toHaveLength(1);
    expect(events[0].data.endpoint).toMatchObject({ id: gone, enabled: false });
    // The event reaches the endpoints that subscribe to it.
    await runWebhooks(t.deps);
    const last = sender.requests.at(-1)!;
    expect(last.url.hostname).toBe('other.example.com');
    expect(JSON.parse(last.body)).toMatchObject({ id: events[0].id, type: 'webhook.endpoint_disabled' });
    expect((await deliveries(watcher))[0].status).toBe('succeeded');
  });

  it('disables an endpoint that failed for 5 days without a success, once', async () => {
    const id = await createWebhook();
    sender.fallback = { status: 503 };
    await test(id);
    await runWebhooks(t.deps);
    now = T0 + DISABLE_ENDPOINT_AFTER_MS - 1;
    await test(id);
    await runWebhooks(t.deps);
    expect((await t.request('GET', `/v1/webhooks/${id}`, { key })).body.enabled).toBe(true);
    now = T0 + DISABLE_ENDPOINT_AFTER_MS;
    await test(id);
    await runWebhooks(t.deps);
    const endpoint = (await t.request('GET', `/v1/webhooks/${id}`, { key })).body;
    expect(endpoint.enabled).toBe(false);
    expect(endpoint.disabled_reason).toMatch(/5 days/);
    const disabled = (await t.request('GET', '/v1/events?type=webhook.endpoint_disabled', { key })).body.data;
    expect(disabled).toHaveLength(1);
    // What was still pending ends without a request.
    const sent = sender.requests.length;
    now += DAY;
    await runWebhooks(t.deps);
    expect(sender.requests).toHaveLength(sent);
    const all = await deliveries(id);
    expect(all.every((d: { status: string }) => d.status === 'failed')).toBe(true);
    expect(all.some((d: { last_error: string }) => /disabled/.test(d.last_error ?? ''))).toBe(true);
  });

  it('restarts the failure streak on a success', async () => {
    const id = await createWebhook();
    sender.next = [{ status: 500 }, { status: 200 }];
    await test(id);
    await runWebhooks(t.deps);
    now = T0 + DAY;
    await test(id);
    await runWebhooks(t.deps);
    sender.fallback = { status: 500 };
    now = T0 + DISABLE_ENDPOINT_AFTER_MS + 1;
    await test(id);
    await runWebhooks(t.deps);
    expect((await t.request('GET', `/v1/webhooks/${id}`, { key })).body.enabled).toBe(true);
  });

  it('checks the address again at each attempt: a name rebound to loopback is never called', async () => {
    const id = await createWebhook();
    resolver.hosts['hooks.example.com'] = ['127.0.0.1'];
    await test(id);
    await runWebhooks(t.deps);
    expect(sender.requests).toHaveLength(0);
    const [d] = await deliveries(id);
    expect(d.status).toBe('pending');
    expect(d.attempts[0]).toMatchObject({ status_code: null });
    expect(d.attempts[0].error).toMatch(/address_not_allowed.*127\.0\.0\.1.*loopback/);
    // Back on a public address, the retry goes out, to the address checked just now.
    resolver.hosts['hooks.example.com'] = ['93.184.216.40'];
    now += RETRY_SCHEDULE_MS[1]!;
    await runWebhooks(t.deps);
    expect(sender.requests).toHaveLength(1);
    expect(sender.requests[0]!.addresses).toEqual(['93.184.216.40']);
  });

  it('sends message events with the message itself, cut to 256 KiB with a link when it is larger', async () => {
    await createWebhook({ events: ['message.received', 'message.delivered'] });
    const a = (await t.request('POST', '/v1/inboxes', { key, body: { username: 'alice' } })).body;
    const b = (await t.request('POST', '/v1/inboxes', { key, body: { username: 'bob' } })).body;
    const send = (text: string, ik: string) => t.request('POST', `/v1/inboxes/${a.id}/messages`, {
      key, headers: { 'idempotency-key': ik }, body: { to: [b.address], subject: 'hi', text },
    });
    expect((await send('hello bob', 'k1')).status).toBe(202);
    expect((await send('x'.repeat(400 * 1024), 'k2')).status).toBe(202);
    await runDeliveries(t.deps);
    await runWebhooks(t.deps);
    const bodies = sender.requests.map((r) => JSON.parse(r.body));
    expect(bodies.map((p) => p.type).sort()).toEqual(['message.delivered', 'message.delivered', 'message.received', 'message.received']);
    const small = bodies.find((p) => p.type === 'message.received' && p.data.message.text.startsWith('hello'));
    expect(small.data.message).toMatchObject({ inbox_id: b.id, direction: 'inbound', subject: 'hi' });
    expect(small.data.message.truncated).toBeUndefined();
    const big = sender.requests.find((r) => r.body.length > 100_000 && JSON.parse(r.body).type === 'message.received')!;
    expect(new TextEncoder().encode(big.body).length).toBeLessThanOrEqual(DEFAULT_MAX_BODY_BYTES);
    const cut = JSON.parse(big.body).data.message;
    expect(cut).toMatchObject({ truncated: true, url: `http://localhost/v1/messages/${cut.id}` });
    // text and extracted_text (the same 400 KiB here: nothing quoted) share the room.
    expect(cut.text.length).toBeGreaterThan(100 * 1024);
    for (const r of sender.requests) expect(r.headers['webhook-id']).toBe(JSON.parse(r.body).id);
  });

  it('ends a delivery whose event went with its deleted inbox, without a request', async () => {
    const id = await createWebhook();
    const a = (await t.request('POST', '/v1/inboxes', { key, body: { username: 'gone-a' } })).body;
    const b = (await t.request('POST', '/v1/inboxes', { key, body: { username: 'gone-b' } })).body;
    await t.request('POST', `/v1/inboxes/${a.id}/messages`, { key, headers: { 'idempotency-key': 'g1' }, body: { to: [b.address], text: 'bye' } });
    await runDeliveries(t.deps);
    expect((await t.request('DELETE', `/v1/inboxes/${b.id}`, { key })).status).toBe(204);
    await runWebhooks(t.deps);
    // message.delivered (inbox a) goes out; message.received (inbox b, deleted) does not.
    expect(sender.requests.map((r) => JSON.parse(r.body).type)).toEqual(['message.delivered']);
    const received = (await deliveries(id)).find((d: { event_type: string }) => d.event_type === 'message.received');
    expect(received).toMatchObject({ status: 'failed', attempt_count: 0 });
    expect(received.last_error).toMatch(/deleted/);
  });

  it('stops pending deliveries of a disabled endpoint; after enable, a replay sends them', async () => {
    const id = await createWebhook();
    await test(id);
    expect((await t.request('POST', `/v1/webhooks/${id}/disable`, { key })).body.enabled).toBe(false);
    await runWebhooks(t.deps);
    expect(sender.requests).toHaveLength(0);
    const [d] = await deliveries(id);
    expect(d.status).toBe('failed');
    expect((await t.request('POST', `/v1/webhooks/${id}/deliveries/${d.id}/replay`, { key })).status).toBe(409);
    expect((await t.request('POST', `/v1/webhooks/${id}/enable`, { key })).body.enabled).toBe(true);
    expect((await t.request('POST', `/v1/webhooks/${id}/deliveries/${d.id}/replay`, { key })).status).toBe(202);
    await runWebhooks(t.deps);
    expect(sender.requests).toHaveLength(1);
    expect((await deliveries(id))[0].status).toBe('succeeded');
  });
});
