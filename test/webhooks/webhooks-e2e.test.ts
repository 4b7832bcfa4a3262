import nodemailer from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { WebhookReceiver } from '../helpers/webhooks.ts';

/** Issue 3 through the real process: SMTP in, signed webhooks out, the log over SSE. */
describe('webhooks and the event stream, end to end', () => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  let key: string;
  beforeAll(async () => {
    [server, receiver] = await Promise.all([TestServer.start(), WebhookReceiver.start()]);
    key = (await server.createOrg()).key;
  });
  afterAll(async () => {
    await receiver.close();
    await server.stop();
  });

  async function createWebhook(url: string, events: string[] = []): Promise<{ id: string; secret: string }> {
    const res = await server.api('POST', '/v1/webhooks', { key, body: { url, events } });
    expect(res.status).toBe(201);
    return res.body;
  }

  it('hands SMTP mail to a loopback endpoint as a Standard Webhook the reference library verifies', async () => {
    const inbox = await server.createInbox(key, 'e2e-smtp');
    const hook = await createWebhook(receiver.url, ['message.received']);
    receiver.secret = hook.secret;
    const mailer = nodemailer.createTransport({ host: '127.0.0.1', port: server.smtpPort, secure: false, tls: { rejectUnauthorized: false } });
    await mailer.sendMail({ from: 'Sender <sender@example.net>', to: inbox.address, subject: 'Webhook please', text: 'Hello agent, this is the body.' });
    mailer.close();

    const [got] = await receiver.waitFor(1);
    expect(got!.verified).toBe(true);
    const payload = JSON.parse(got!.body);
    expect(payload).toMatchObject({ type: 'message.received', data: { message: { inbox_id: inbox.id, subject: 'Webhook please', direction: 'inbound' } } });
    expect(payload.data.message.text).toContain('Hello agent, this is the body.');
    expect(got!.headers['webhook-id']).toBe(payload.id);
    expect(got!.headers['content-type']).toBe('application/json');
    // The same bytes with one character changed do not verify.
    const wh = new Webhook(hook.secret);
    expect(() => wh.verify(got!.body.replace('Hello agent', 'Hello agenT'), got!.headers as Record<string, string>)).toThrow();
    expect(() => wh.verify(got!.body, { ...(got!.headers as Record<string, string>), 'webhook-id': 'evt_other' })).toThrow();

    const log = await server.until(async () => {
      const res = await server.api('GET', `/v1/webhooks/${hook.id}/deliveries`, { key });
      return res.body.data[0]?.status === 'succeeded' ? res.body.data : null;
    });
    expect(log[0]).toMatchObject({ event_id: payload.id, attempt_count: 1, last_status: 204 });
    expect(log[0].attempts[0]).toMatchObject({ attempt: 1, status_code: 204, error: null, next_attempt_at: null });
    await server.api('DELETE', `/v1/webhooks/${hook.id}`, { key });
  });

  it('signs message.received and message.delivered of a local send between two inboxes', async () => {
    const a = await server.createInbox(key, 'e2e-a');
    const b = await server.createInbox(key, 'e2e-b');
    const hook = await createWebhook(receiver.url, ['message.received', 'message.delivered']);
    receiver.secret = hook.secret;
    const before = receiver.received.length;
    const send = await server.api('POST', `/v1/inboxes/${a.id}/messages`, {
      key, headers: { 'idempotency-key': 'e2e-local-1' }, body: { to: [b.address], subject: 'Local', text: 'between agents' },
    });
    expect(send.status).toBe(202);
    const got = (await receiver.waitFor(before + 2)).slice(before);
    expect(got.every((r) => r.verified)).toBe(true);
    const byType = Object.fromEntries(got.map((r) => [JSON.parse(r.body).type, JSON.parse(r.body).data.message]));
    expect(byType['message.received']).toMatchObject({ inbox_id: b.id, text: expect.stringContaining('between agents') });
    expect(byType['message.delivered']).toMatchObject({ id: send.body.id, inbox_id: a.id, status: 'delivered' });
    await server.api('DELETE', `/v1/webhooks/${hook.id}`, { key });
  });

  it('does not follow a redirect to loopback: the attempt fails and is logged', async () => {
    const trap = await WebhookReceiver.start('/trap');
    const redirector = await WebhookReceiver.start('/moved');
    redirector.answer = () => ({ status: 302, headers: { location: trap.url } });
    try {
      const hook = await createWebhook(redirector.url);
      expect((await server.api('POST', `/v1/webhooks/${hook.id}/test`, { key })).status).toBe(202);
      const [d] = await server.until(async () => {
        const res = await server.api('GET', `/v1/webhooks/${hook.id}/deliveries`, { key });
        return res.body.data[0]?.attempt_count === 1 ? res.body.data : null;
      });
      expect(d).toMatchObject({ status: 'pending', last_status: 302 });
      expect(d.attempts[0].error).toBe(`redirect to ${trap.url} not followed`);
      expect(Date.parse(d.next_attempt_at) - Date.parse(d.attempts[0].at)).toBeGreaterThanOrEqual(4000); // 5 s ± 10 %
      expect(redirector.received).toHaveLength(1);
      expect(trap.received).toHaveLength(0);
      await server.api('DELETE', `/v1/webhooks/${hook.id}`, { key });
    } finally {
      await Promise.all([trap.close(), redirector.close()]);
    }
  });

  it('resumes the SSE stream after a disconnect with exactly the missed events', async () => {
    const a = await server.createInbox(key, 'sse-a');
    const b = await server.createInbox(key, 'sse-b');
    let n = 0;
    const send = async () => {
      const res = await server.api('POST', `/v1/inboxes/${a.id}/messages`, {
        key, headers: { 'idempotency-key': `sse-${++n}` }, body: { to: [b.address], subject: `m${n}`, text: `message ${n}` },
      });
      expect(res.status).toBe(202);
    };
    const open = async (lastEventId?: string) => {
      const controller = new AbortController();
      const res = await fetch(`${server.url}/v1/events/stream?inbox_id=${b.id}`, {
        headers: { authorization: `Bearer ${key}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }, signal: controller.signal,
      });
      expect(res.status).toBe(200);
      return { sse: SseReader.of(res.body), close: () => controller.abort() };
    };

    const first = await open();
    for (let i = 0; i < 3; i++) await send();
    const seen = await first.sse.events(3);
    // Delivery jobs run concurrently: events follow commit order, not necessarily send order.
    const subjects = (frames: Array<{ data?: string }>) => frames.map((f) => JSON.parse(f.data!).data.message.subject).sort();
    expect(subjects(seen)).toEqual(['m1', 'm2', 'm3']);
    first.close();

    for (let i = 0; i < 4; i++) await send();
    // Wait until all four are in the log, so the resumed stream has them to replay.
    const missed = await server.until(async () => {
      const res = await server.api('GET', `/v1/events?inbox_id=${b.id}&cursor=${seen[2]!.id}`, { key });
      return res.body.data.length === 4 ? res.body.data : null;
    });
    const again = await open(seen[2]!.id);
    const replayed = await again.sse.events(4);
    expect(replayed.map((f) => f.id)).toEqual(missed.map((e: { id: string }) => e.id));
    expect(subjects(replayed)).toEqual(['m4', 'm5', 'm6', 'm7']);
    await send();
    const live = await again.sse.event();
    expect(JSON.parse(live.data!).data.message.subject).toBe('m8');
    const all = [...seen, ...replayed, live].map((f) => f.id);
    expect(new Set(all).size).toBe(8);
    expect([...all].sort()).toEqual(all);
    again.close();
  });

  it('ends open streams at shutdown and exits 0', async () => {
    const res = await fetch(`${server.url}/v1/events/stream`, { headers: { authorization: `Bearer ${key}` } });
    const sse = SseReader.of(res.body);
    expect((await sse.frame())!.retry).toBe(2000);
    const started = Date.now();
    expect(await server.stop()).toBe(0);
    // Far below the 30 s forced exit. Not ~0: undici leaves a spare socket after the aborted
    // stream of the previous test, and http.Server.close() waits for it (undici closes it at 4 s).
    expect(Date.now() - started).toBeLessThan(10_000);
    // The stream ends, cleanly or with the socket (events committed just before the stop may come first).
    const outcome = async (): Promise<string> => {
      for (let i = 0; i < 10; i++) {
        try {
          if ((await sse.frame(3000)) === null) return 'ended';
        } catch (err) {
          return /no SSE frame within/.test(String(err)) ? 'hung' : 'ended';
        }
      }
      return 'still streaming';
    };
    expect(await outcome()).toBe('ended');
  });
});
