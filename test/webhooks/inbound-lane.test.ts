import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveMail } from '../../src/core/messages/receive.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { SseReader } from '../helpers/sse.ts';
import { FakeSender, MutableResolver, runWebhooks } from '../helpers/webhooks.ts';

/** Issue 3, item 6: stopping an identity's outbound lane leaves its inbound events and webhooks alone. */
describe('inbound events and webhooks while the outbound lane is quarantined', () => {
  let t: TestApp;
  const sender = new FakeSender();
  beforeAll(async () => {
    t = await buildTestApp({ resolver: new MutableResolver({ 'hooks.example.com': ['93.184.216.34'] }), webhookSender: sender });
  });
  afterAll(() => t.close());

  it('still records, streams and delivers message.received', async () => {
    const { key, orgId } = await t.createOrg();
    const inbox = (await t.request('POST', '/v1/inboxes', { key, body: { username: 'quiet' } })).body;
    const hook = (await t.request('POST', '/v1/webhooks', { key, body: { url: 'https://hooks.example.com/in' } })).body;
    const keyId = (await t.request('GET', '/v1/keys', { key })).body.data[0].id;
    for (const [kind, target] of [['key', keyId], ['inbox', inbox.id]]) {
      const q = await t.request('POST', '/v1/quarantine', { key, body: { kind, target, lane: 'outbound', reason: 'test: outbound stopped' } });
      expect(q.status).toBe(201);
    }
    // The outbound lane is closed to this key…
    const send = await t.request('POST', `/v1/inboxes/${inbox.id}/messages`, { key, headers: { 'idempotency-key': 'q1' }, body: { to: ['x@example.net'], text: 'hi' } });
    expect(send.status).toBe(403);
    expect(send.body.code).toBe('quarantined');

    // …and mail still comes in, into the log, the stream and the webhook.
    const stream = await t.app.request('/v1/events/stream', { headers: { authorization: `Bearer ${key}` } });
    expect(stream.status).toBe(200);
    const sse = SseReader.of(stream.body);
    const raw = new TextEncoder().encode(`From: someone@example.net\r\nTo: ${inbox.address}\r\nSubject: still here\r\nMessage-ID: <lane-1@example.net>\r\n\r\nInbound works.\r\n`);
    const model = (await t.store.getInbox(orgId, inbox.id))!;
    await receiveMail(t.deps, { raw, inboxes: [model], envelopeFrom: 'someone@example.net', via: 'smtp' });
    const frame = await sse.event();
    expect(frame.event).toBe('message.received');
    await sse.close();
    const log = await t.request('GET', `/v1/events?inbox_id=${inbox.id}`, { key });
    expect(log.status).toBe(200);
    expect(log.body.data.map((e: { type: string }) => e.type)).toEqual(['message.received']);
    await runWebhooks(t.deps);
    expect(JSON.parse(sender.requests.at(-1)!.body).data.message.subject).toBe('still here');
    expect((await t.request('GET', `/v1/webhooks/${hook.id}/deliveries`, { key })).body.data[0].status).toBe('succeeded');
  });
});
