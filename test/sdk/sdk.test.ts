/**
 * The SDK against a real Breakwater process: resources, paging, the idempotent replay of a send
 * whose answer was lost, typed errors, the event log and its live stream with resume, and
 * webhook verification with the signing code's own output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/core/webhooks/signature.ts';
import { Breakwater, BreakwaterError, verifyWebhook, WebhookVerificationError, type BreakwaterEvent, type Inbox } from '../../src/sdk/index.ts';
import { TestServer } from '../helpers/server.ts';

let server: TestServer;
let bw: Breakwater;
let alice: Inbox;
let bob: Inbox;

beforeAll(async () => {
  server = await TestServer.start();
  const { key } = await server.createOrg('sdk-org');
  bw = new Breakwater({ apiKey: key, baseUrl: server.url });
  alice = await bw.inboxes.create({ username: 'alice', display_name: 'Alice Agent' });
  bob = await bw.inboxes.create({ username: 'bob' });
});

afterAll(async () => {
  await server?.stop();
});

/** Waits until `fn` finds something (delivery between inboxes runs in the background). */
async function eventually<T>(fn: () => Promise<T | undefined | null | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('resources', () => {
  it('creates, reads, updates and pages inboxes', async () => {
    expect(alice).toMatchObject({ address: 'alice@agents.localhost', display_name: 'Alice Agent', reputation: { state: 'healthy' } });
    expect(await bw.inboxes.get(alice.id)).toEqual(alice);
    expect((await bw.inboxes.update(alice.id, { display_name: 'Alice' })).display_name).toBe('Alice');
    const first = await bw.inboxes.list({ limit: 1 });
    expect(first.data).toHaveLength(1);
    expect(first.next_cursor).not.toBeNull();
    const all: string[] = [];
    for await (const i of bw.inboxes.list({ limit: 1 })) all.push(i.id);
    expect(all).toEqual([bob.id, alice.id]);
  });

  it('sends, lists, reads, long-polls and replies', async () => {
    const latest = (await bw.messages.list(bob.id, { limit: 1 }).page()).data[0]?.id;
    const sent = await bw.messages.send(alice.id, { to: [bob.address], subject: 'Hello Bob', text: 'Are you there?', attachments: [{ filename: 'a.txt', content_type: 'text/plain', content: new TextEncoder().encode('hi') }] });
    expect(sent).toMatchObject({ status: 'queued', id: expect.stringMatching(/^msg_/), thread_id: expect.stringMatching(/^thr_/) });
    const [received] = await bw.messages.wait(bob.id, { after: latest, wait: 10, direction: 'inbound' });
    expect(received).toMatchObject({ direction: 'inbound', subject: 'Hello Bob', from: expect.stringContaining(alice.address), trusted: true });
    const full = await bw.messages.get(received!.id);
    expect(full.attachments).toMatchObject([{ filename: 'a.txt', content_type: 'text/plain', size: 2 }]);
    const file = await bw.messages.attachment(full.id, full.attachments[0]!.id);
    expect(new TextDecoder().decode(file.bytes)).toBe('hi');
    const raw = new TextDecoder().decode(await bw.messages.raw(full.id));
    expect(raw).toMatch(/^Subject: Hello Bob\r?$/m);
    const reply = await bw.messages.reply(full.id, { text: 'Yes!' });
    expect(reply.thread_id).toBe(full.thread_id);
    const thread = await eventually(async () => {
      const t = await bw.threads.get(full.thread_id);
      return t.messages.length >= 2 ? t : null;
    });
    expect(thread.messages.map((m) => m.direction)).toEqual(['inbound', 'outbound']);
    expect((await bw.threads.list({ inbox_id: bob.id }).page()).data.map((t) => t.id)).toContain(full.thread_id);
    // An empty long-poll answers an empty list after its wait.
    expect(await bw.messages.wait(bob.id, { after: reply.id, wait: 1, direction: 'inbound' })).toEqual([]);
  });

  it('manages keys, suppressions, domains, quarantine and reputation', async () => {
    const key = await bw.keys.create({ name: 'scoped', scopes: ['inbox'], inbox_ids: [alice.id] });
    expect(key.api_key).toMatch(/^bw_/);
    expect((await bw.keys.list().toArray()).map((k) => k.id)).toContain(key.id);
    expect((await bw.keys.revoke(key.id)).revoked_at).not.toBeNull();
    const s = await bw.suppressions.add({ address: 'gone@example.com', reason: 'manual' });
    expect(s).toMatchObject({ address: 'gone@example.com', source: 'api' });
    await bw.suppressions.remove('gone@example.com');
    expect((await bw.suppressions.list().toArray()).map((x) => x.address)).not.toContain('gone@example.com');
    const domains = await bw.domains.list().toArray();
    expect(domains[0]).toMatchObject({ name: 'agents.localhost', default: true });
    expect(await bw.domains.get(domains[0]!.id)).toMatchObject({ id: domains[0]!.id });
    const q = await bw.quarantine.add({ kind: 'inbox', target: bob.id, lane: 'outbound', reason: 'sdk test', ttl_seconds: 60 });
    expect((await bw.quarantine.list()).map((e) => e.id)).toContain(q.id);
    expect((await bw.quarantine.release(q.id)).id).toBe(q.id);
    expect(await bw.reputation.get(alice.id)).toMatchObject({ inbox_id: alice.id, state: 'healthy' });
  });
});

describe('idempotent replay', () => {
  it('a send whose answer was lost is retried with the same key and makes one message', async () => {
    const seen: Array<{ key: string | null; id?: string }> = [];
    let dropped = false;
    const { key } = await server.createOrg('replay-org');
    const client = new Breakwater({
      apiKey: key, baseUrl: server.url, sleep: async () => {},
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (init?.method !== 'POST' || !String(input).endsWith('/messages')) return res;
        const body = await res.clone().json();
        seen.push({ key: new Headers(init.headers).get('idempotency-key'), id: body.id });
        // The server committed the message, then the connection dropped before the answer arrived.
        if (!dropped) {
          dropped = true;
          throw new TypeError('fetch failed: other side closed (simulated)');
        }
        return res;
      },
    });
    const inbox = await client.inboxes.create({ username: 'replay' });
    const sent = await client.messages.send(inbox.id, { to: ['someone@example.com'], subject: 'once', text: 'only once' });
    expect(seen).toHaveLength(2);
    expect(seen[0]!.key).toBe(seen[1]!.key);
    expect(seen[0]!.id).toBe(sent.id);
    const outbound = await client.messages.list(inbox.id, { direction: 'outbound' }).toArray();
    expect(outbound.map((m) => m.id)).toEqual([sent.id]);
  });
});

describe('typed errors', () => {
  it('carries the problem: status, code, request id, fix and field errors', async () => {
    const missing = await bw.messages.get('msg_01JAAAAAAAAAAAAAAAAAAAAAAA').catch((e) => e);
    expect(missing).toBeInstanceOf(BreakwaterError);
    expect(missing).toMatchObject({ status: 404, code: 'not_found', requestId: expect.stringMatching(/^req_/) });
    const invalid = await bw.messages.send(alice.id, { to: ['not an address'], text: 'x' }).catch((e) => e);
    expect(invalid).toMatchObject({ status: 422, code: 'validation_failed', attempts: 1 });
    expect(invalid.errors).toContainEqual(expect.objectContaining({ path: 'to.0' }));
    const unknownKey = new Breakwater({ apiKey: 'bw_' + 'A'.repeat(32), baseUrl: server.url });
    const unauthorized = await unknownKey.inboxes.list().page().catch((e) => e);
    expect(unauthorized).toMatchObject({ status: 401, code: 'unauthorized', fix: expect.any(String) });
    expect(unauthorized.message).toContain('unauthorized');
  });

  it('names an unreachable server as connection_failed', async () => {
    const nowhere = new Breakwater({ apiKey: 'bw_x', baseUrl: 'http://127.0.0.1:1', maxRetries: 1, sleep: async () => {} });
    await expect(nowhere.inboxes.list().page()).rejects.toMatchObject({ status: 0, code: 'connection_failed', attempts: 2 });
  });
});

describe('events', () => {
  it('lists the log oldest first after a cursor, and streams it live with resume', async () => {
    const stop = new AbortController();
    let opened!: () => void;
    const open = new Promise<void>((r) => (opened = r));
    const stream = bw.events.stream({ types: ['message.received'], inbox_id: bob.id, signal: stop.signal, onState: (s) => s.state === 'open' && opened() });
    const got: BreakwaterEvent[] = [];
    const reading = (async () => {
      for await (const e of stream) {
        got.push(e);
        if (got.length === 2) break;
      }
    })();
    // The stream starts at "now": mail is sent once it is connected.
    await open;
    for (const subject of ['one', 'two']) await bw.messages.send(alice.id, { to: [bob.address], subject, text: subject });
    await reading;
    expect(got.map((e) => (e.data.message as { subject: string }).subject)).toEqual(['one', 'two']);
    expect(stream.lastEventId).toBe(got[1]!.id);

    // Resume from the first: the second is replayed, then a third arrives live.
    const resumed = bw.events.stream({ types: ['message.received'], inbox_id: bob.id, lastEventId: got[0]!.id, signal: stop.signal });
    const replay: string[] = [];
    const sending = bw.messages.send(alice.id, { to: [bob.address], subject: 'three', text: '3' });
    for await (const e of resumed) {
      replay.push((e.data.message as { subject: string }).subject);
      if (replay.length === 2) break;
    }
    await sending;
    expect(replay).toEqual(['two', 'three']);

    const logged = await bw.events.list({ cursor: got[0]!.id, types: ['message.received'], inbox_id: bob.id }).toArray();
    expect(logged.map((e) => e.id)[0]).toBe(got[1]!.id);
    stop.abort();
  });
});

describe('verifyWebhook', () => {
  const secret = 'whsec_' + btoa('0123456789abcdef0123456789abcdef');
  const body = JSON.stringify({ id: 'evt_1', type: 'message.received', created_at: '2026-01-01T00:00:00.000Z', data: {} });
  const now = () => 1_767_225_600_000;

  it('accepts a delivery signed by the server code and answers the event', async () => {
    const ts = Math.floor(now() / 1000);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': await signWebhook(secret, 'msg_1', ts, body) };
    await expect(verifyWebhook(secret, headers, body, { now })).resolves.toMatchObject({ id: 'evt_1', type: 'message.received' });
    await expect(verifyWebhook(secret, new Headers(headers), new TextEncoder().encode(body), { now })).resolves.toMatchObject({ id: 'evt_1' });
  });

  it.each([
    ['a changed body', (h: Record<string, string>) => [h, body.replace('evt_1', 'evt_2')], 'no_matching_signature'],
    ['a stale timestamp', (h: Record<string, string>) => [h, body, 3600_000], 'timestamp_too_old'],
    ['no signature', (h: Record<string, string>) => [{ ...h, 'webhook-signature': '' }, body], 'missing_headers'],
  ] as const)('refuses %s', async (_name, tamper, reason) => {
    const ts = Math.floor(now() / 1000);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': await signWebhook(secret, 'msg_1', ts, body) };
    const [h, b, skew = 0] = tamper(headers) as [Record<string, string>, string, number?];
    const err = await verifyWebhook(secret, h, b, { now: () => now() + skew }).catch((e) => e);
    expect(err).toBeInstanceOf(WebhookVerificationError);
    expect(err.reason).toBe(reason);
  });
});
