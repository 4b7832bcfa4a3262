import { createScheduledController, SELF } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/runtime/workers/index.ts';

/**
 * The edge shape end to end inside workerd: the Worker's own handlers with the bindings of
 * wrangler.jsonc (D1, R2, Durable Objects, the JOBS queue and its consumer).
 */
const token = env.BREAKWATER_OPERATOR_TOKEN ?? '';
const base = 'https://breakwater.test';
const tag = crypto.randomUUID().slice(0, 8);

async function call(method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${key}`, ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  return SELF.fetch(new Request(`${base}${path}`, init));
}

async function json<T = any>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

/** An Email Workers message as the runtime hands it over (ForwardableEmailMessage). */
function emailMessage(from: string, to: string, raw: string) {
  const bytes = new TextEncoder().encode(raw);
  const message = {
    from, to, rawSize: bytes.byteLength, headers: new Headers(),
    raw: new ReadableStream<Uint8Array>({ start(c) { c.enqueue(bytes); c.close(); } }),
    rejected: null as string | null,
    setReject(reason: string) { message.rejected = reason; },
    forward: () => Promise.reject(new Error('not forwarded')),
    reply: () => Promise.reject(new Error('no reply')),
  };
  return message;
}

async function deliverEmail(message: ReturnType<typeof emailMessage>): Promise<void> {
  await worker.email(message as unknown as ForwardableEmailMessage, env);
}

async function eventually<T>(fn: () => Promise<T | null | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Breakwater on Workers, black box', () => {
  let key = '';
  let sender: { id: string; address: string };
  let recipient: { id: string; address: string };

  beforeAll(async () => {
    expect(token, 'BREAKWATER_OPERATOR_TOKEN must be bound for the workers test project').not.toBe('');
    const org = await json(await call('POST', '/v1/orgs', token, { name: `edge ${tag}` }), 201);
    key = org.api_key;
    expect(key).toMatch(/^bw_/);
    sender = await json(await call('POST', '/v1/inboxes', key, { username: `sender-${tag}` }), 201);
    recipient = await json(await call('POST', '/v1/inboxes', key, { username: `agent-${tag}` }), 201);
  });

  it('answers health and readiness, and refuses a wrong operator token', async () => {
    expect((await SELF.fetch(`${base}/healthz`)).status).toBe(200);
    expect((await SELF.fetch(`${base}/readyz`)).status).toBe(200);
    const res = await call('POST', '/v1/orgs', 'not-the-token-at-all', { name: 'x' });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('delivers a send to another hosted inbox through the queue consumer', async () => {
    const sent = await json(await call('POST', `/v1/inboxes/${sender.id}/messages`, key, {
      to: [recipient.address], subject: `hello ${tag}`, text: 'from one agent to another',
    }, { 'idempotency-key': `"send-${tag}"` }), 202);
    expect(sent).toMatchObject({ status: 'queued' });
    // The 202 came after the commit; the wake-up message makes the consumer run the job.
    const arrived = await eventually(async () => {
      const list = await json(await call('GET', `/v1/inboxes/${recipient.id}/messages?direction=inbound`, key), 200);
      return list.data.find((m: any) => m.subject === `hello ${tag}`);
    }, 'the local delivery');
    expect(arrived).toMatchObject({ direction: 'inbound', from: expect.stringContaining(sender.address), auth: { dmarc: 'pass' } });
    const outbound = await eventually(async () => {
      const m = await json(await call('GET', `/v1/messages/${sent.id}`, key), 200);
      return m.status === 'delivered' ? m : null;
    }, 'the delivered status');
    expect(outbound.events.map((e: any) => e.type)).toContain('delivered');
  });

  it('takes inbound mail through the email() handler into the inbox, and refuses what has no mailbox', async () => {
    const raw = [
      'From: Outside Sender <someone@outside.example>', `To: ${recipient.address}`, `Subject: inbound ${tag}`,
      `Message-ID: <inbound-${tag}@outside.example>`, 'Date: Fri, 04 Dec 2026 12:00:00 +0000', '', '.a line with a leading dot', 'and more', '',
    ].join('\r\n');
    const accepted = emailMessage('someone@outside.example', recipient.address, raw);
    await deliverEmail(accepted);
    expect(accepted.rejected).toBeNull();
    const list = await json(await call('GET', `/v1/inboxes/${recipient.id}/messages?direction=inbound`, key), 200);
    const got = list.data.find((m: any) => m.subject === `inbound ${tag}`);
    // Verdicts were not checked: no authserv-id is configured for this Worker.
    expect(got).toMatchObject({ from: expect.stringContaining('someone@outside.example'), auth: null, auto_submitted: false });
    const rawRes = await call('GET', `/v1/messages/${got.id}/raw`, key);
    expect(rawRes.status).toBe(200);
    expect(await rawRes.text()).toContain('.a line with a leading dot');

    const unknown = emailMessage('someone@outside.example', `nobody-${tag}@agents.localhost`, raw);
    await deliverEmail(unknown);
    expect(unknown.rejected).toMatch(/^5\.1\.1 <nobody-.*>: no such mailbox here$/);
    const elsewhere = emailMessage('someone@outside.example', 'someone@not-hosted.example', raw);
    await deliverEmail(elsewhere);
    expect(elsewhere.rejected).toMatch(/^5\.7\.1 .*relaying denied/);
    const huge = emailMessage('someone@outside.example', recipient.address, raw);
    huge.rawSize = 26 * 1024 * 1024;
    await deliverEmail(huge);
    expect(huge.rejected).toMatch(/^5\.3\.4 over 26214400 bytes: message exceeds the size limit$/);
  });

  it('marks mail a machine sent through the email() handler auto_submitted (RFC 3834)', async () => {
    const raw = [
      'From: Robot <robot@outside.example>', `To: ${recipient.address}`, `Subject: nightly ${tag}`, 'Auto-Submitted: auto-generated',
      `Message-ID: <nightly-${tag}@outside.example>`, 'Date: Fri, 04 Dec 2026 12:00:00 +0000', '', 'Build passed.', '',
    ].join('\r\n');
    const message = emailMessage('robot@outside.example', recipient.address, raw);
    await deliverEmail(message);
    expect(message.rejected).toBeNull();
    const list = await json(await call('GET', `/v1/inboxes/${recipient.id}/messages?direction=inbound`, key), 200);
    expect(list.data.find((m: any) => m.subject === `nightly ${tag}`)).toMatchObject({ auto_submitted: true });
  });

  it('takes a report to postmaster@ without an inbox and never refuses it', async () => {
    const report = emailMessage('', 'postmaster@agents.localhost', 'From: MAILER-DAEMON@outside.example\r\nSubject: Undelivered\r\n\r\nnot a DSN\r\n');
    await deliverEmail(report);
    expect(report.rejected).toBeNull();
  });

  it('answers 100 concurrent reads by one key with some 429s carrying the RateLimit fields and a problem', async () => {
    const responses = await Promise.all(Array.from({ length: 100 }, () => call('GET', `/v1/inboxes/${recipient.id}/messages?limit=1`, key)));
    const statuses = responses.map((r) => r.status);
    const limited = responses.filter((r) => r.status === 429);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(limited.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    const r = limited[0]!;
    expect(r.headers.get('ratelimit-policy')).toMatch(/^"key";q=\d+;w=1/);
    expect(r.headers.get('ratelimit')).toMatch(/^"key";r=0;t=\d+/);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(await r.json()).toMatchObject({ code: 'rate_limited', status: 429, type: 'https://iana.org/assignments/http-problem-types#quota-exceeded' });
  });

  it('runs the cron sweep: due jobs and the idempotency purge, without error', async () => {
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '* * * * *' }), env);
  });
});
