import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';

/** Outbound through a relay: the in-test SMTP sink stands in for it. */
describe('outbound through the relay', () => {
  let sink: SmtpSink;
  let server: TestServer;
  let key: string;
  let inbox: { id: string; address: string };

  async function send(body: Record<string, unknown>) {
    const res = await server.api('POST', `/v1/inboxes/${inbox.id}/messages`, { key, body: { text: 'hello', ...body }, headers: { 'idempotency-key': randomUUID() } });
    expect(res.status).toBe(202);
    return res.body as { id: string; thread_id: string };
  }

  async function message(id: string) {
    const res = await server.api('GET', `/v1/messages/${id}`, { key });
    expect(res.status).toBe(200);
    return res.body;
  }

  const settled = (id: string, timeoutMs = 10_000) => server.until(async () => {
    const m = await message(id);
    return m.status !== 'queued' && m;
  }, timeoutMs);

  beforeAll(async () => {
    sink = await SmtpSink.start();
    server = await TestServer.start({ env: { BREAKWATER_SMTP_RELAY: sink.url } });
    ({ key } = await server.createOrg('relay'));
    inbox = await server.createInbox(key, 'outbound-agent');
  });
  afterAll(async () => {
    await server?.stop();
    await sink?.close();
  });

  it('a 4xx from the relay keeps the message queued, and the retry delivers it', async () => {
    // Runs first: the retry comes 30 s after the first attempt (DELIVERY_RETRY_MS[0]).
    const rcpt = 'later@example.org';
    sink.refuse(rcpt, 451, '4.3.0 greylisted, try again later');
    const { id } = await send({ to: [rcpt], subject: 'deferred' });
    await sink.waitFor(() => sink.rcptAttempts.some((r) => r.to === rcpt));
    // Give a wrong final state time to show up: the attempt is over, the message must still wait.
    await new Promise((r) => setTimeout(r, 1500));
    const waiting = await message(id);
    expect(waiting.status).toBe('queued');
    expect(waiting.events.map((e: { type: string }) => e.type)).toEqual(['queued']);
    expect(sink.rcptAttempts.filter((r) => r.to === rcpt)).toHaveLength(1);
    expect(sink.to(rcpt)).toHaveLength(0);

    sink.accept(rcpt);
    const done = await settled(id, 40_000);
    expect(done.status).toBe('sent');
    const attempts = sink.rcptAttempts.filter((r) => r.to === rcpt);
    expect(attempts.map((r) => r.code)).toEqual([451, 250]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(29_000);
    expect(sink.to(rcpt)).toHaveLength(1);
  }, 50_000);

  it('10 sends reach the relay exactly once each, with a VERP return path, and end sent', async () => {
    const sends = await Promise.all(Array.from({ length: 10 }, (_, i) => send({ to: [`user${i}@example.org`], subject: `batch ${i}`, text: `message ${i}` })));
    const finals = await Promise.all(sends.map((s) => settled(s.id)));
    for (const [i, m] of finals.entries()) {
      expect(m.status).toBe('sent');
      expect(m.events.map((e: { type: string }) => e.type)).toEqual(['queued', 'sent']);
      expect(m.events[1].detail.response).toMatch(/^250/);
      const got = sink.byMessageId(m.message_id);
      expect(got).toHaveLength(1);
      expect(got[0]!.from).toBe(`bounces+${sends[i]!.id.toLowerCase()}@agents.localhost`);
      expect(got[0]!.to).toEqual([`user${i}@example.org`]);
      expect(got[0]!.parsed.subject).toBe(`batch ${i}`);
      expect(got[0]!.parsed.text?.trim()).toBe(`message ${i}`);
      expect(got[0]!.parsed.from?.address).toBe(inbox.address);
    }
    // Nothing arrives twice later (a late retry of a delivered job would).
    await new Promise((r) => setTimeout(r, 1000));
    for (const m of finals) expect(sink.byMessageId(m.message_id)).toHaveLength(1);
  });

  it('Bcc recipients get the message, but no Bcc header is in it', async () => {
    const { id } = await send({ to: ['visible@example.org'], cc: ['copied@example.org'], bcc: ['hidden@example.net'], subject: 'with bcc' });
    const m = await settled(id);
    expect(m.status).toBe('sent');
    expect(m.bcc).toEqual(['hidden@example.net']);
    const got = sink.byMessageId(m.message_id);
    expect(got).toHaveLength(1);
    expect([...got[0]!.to].sort()).toEqual(['copied@example.org', 'hidden@example.net', 'visible@example.org']);
    const headers = got[0]!.raw.toString('latin1').split('\r\n\r\n')[0]!;
    expect(headers).not.toMatch(/^bcc:/im);
    expect(got[0]!.raw.toString('latin1')).not.toContain('hidden@example.net');
    expect(got[0]!.parsed.bcc ?? []).toEqual([]);
    expect(headers).toMatch(/^Cc: copied@example\.org/im);
  });

  it('a 5xx from the relay fails the message with the reason', async () => {
    const rcpt = 'gone@example.org';
    sink.refuse(rcpt, 550, '5.1.1 <gone@example.org>: no such user');
    const { id } = await send({ to: [rcpt], subject: 'doomed' });
    const m = await settled(id);
    expect(m.status).toBe('failed');
    expect(m.status_reason).toMatch(/550/);
    expect(m.status_reason).toContain('no such user');
    expect(m.events.map((e: { type: string }) => e.type)).toEqual(['queued', 'failed']);
    expect(sink.to(rcpt)).toHaveLength(0);
    // Final: no second attempt.
    await new Promise((r) => setTimeout(r, 1500));
    expect(sink.rcptAttempts.filter((r) => r.to === rcpt)).toHaveLength(1);
  });

  it('a relay that refuses some recipients of a message: the refusals are on the sent event', async () => {
    sink.refuse('refused@example.org', 550, '5.1.1 no such user');
    sink.refuse('deferred@example.org', 451, '4.3.0 try later');
    const { id } = await send({ to: ['fine@example.org', 'refused@example.org', 'deferred@example.org'], subject: 'partial' });
    const m = await settled(id);
    expect(sink.byMessageId(m.message_id).map((x) => x.to)).toEqual([['fine@example.org']]);
    const last = m.events.at(-1)!;
    expect(last.detail.response).toMatch(/^250 /);
    expect(last.detail.response).toContain('<refused@example.org> 550 5.1.1 no such user');
    expect(last.detail.response).toContain('<deferred@example.org> 451 4.3.0 try later');
  });

  // A partial RCPT refusal: the 5xx recipient is recorded as failed on the message, the 4xx one
  // gets a job of its own and is retried (the first retry is 30 s later).
  it('a 4xx recipient of a partially accepted message is retried; a 5xx one is failed', async () => {
    sink.refuse('deferred2@example.org', 451, '4.3.0 try later');
    sink.refuse('refused2@example.org', 550, '5.1.1 no such user');
    const { id } = await send({ to: ['fine2@example.org', 'refused2@example.org', 'deferred2@example.org'], subject: 'partial retry' });
    await sink.waitFor(() => sink.to('fine2@example.org').length === 1);
    sink.accept('deferred2@example.org');
    await sink.waitFor(() => sink.to('deferred2@example.org').length === 1, 40_000);
    expect(sink.to('fine2@example.org')).toHaveLength(1);
    const m = await message(id);
    expect(JSON.stringify(m.events)).toContain('refused2@example.org');
  }, 50_000);

  it('hosted recipients of a relayed message are still delivered locally, not through the relay', async () => {
    const local = await server.createInbox(key, 'local-peer');
    const { id } = await send({ to: [local.address, 'far@example.org'], subject: 'split' });
    const m = await settled(id);
    expect(m.status).toBe('sent');
    expect(sink.byMessageId(m.message_id)[0]!.to).toEqual(['far@example.org']);
    const inbound = await server.api('GET', `/v1/inboxes/${local.id}/messages?direction=inbound`, { key });
    expect(inbound.body.data.map((x: { message_id: string }) => x.message_id)).toEqual([m.message_id]);
  });
});
