/**
 * Deliverability, black-box: a real server process relaying through an SMTP sink.
 * - DKIM: what the relay received verifies with mailauth (an independent verifier) against
 *   the record our own API published (GET /v1/domains), served by a stub resolver.
 * - The whole flow: 30 sends, 4 DSNs over SMTP to their VERP addresses → those messages
 *   bounced, the addresses suppressed, the inbox paused; its inbound lane, reads and webhooks
 *   go on; another inbox of the org still sends; the paused one gets 403 until resumed.
 */
import { randomUUID } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arf, dsn } from '../helpers/reports.ts';
import { TestServer } from '../helpers/server.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { WebhookReceiver } from '../helpers/webhooks.ts';
import { RawSmtp } from './raw-smtp.ts';

/** One SMTP transaction over a plain socket; returns every reply from MAIL FROM on. */
async function smtpSend(port: number, from: string, to: string[], data: string): Promise<number[]> {
  const { smtp } = await RawSmtp.open(port);
  try {
    await smtp.command('EHLO mx.example.net');
    const codes = [(await smtp.command(`MAIL FROM:<${from}>`)).code];
    for (const rcpt of to) codes.push((await smtp.command(`RCPT TO:<${rcpt}>`)).code);
    if (codes.slice(1).some((c) => c === 250)) {
      codes.push((await smtp.command('DATA')).code);
      // RFC 5321 §4.5.2: a line starting with a dot gets another.
      await smtp.write(`${data.replace(/\r\n\./g, '\r\n..')}\r\n.\r\n`);
      codes.push((await smtp.reply()).code);
    }
    await smtp.command('QUIT');
    return codes;
  } finally {
    smtp.close();
  }
}

describe('deliverability through a relay', () => {
  let sink: SmtpSink;
  let server: TestServer;
  let hooks: WebhookReceiver;
  let key: string;
  let seq = 0;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    hooks = await WebhookReceiver.start();
    server = await TestServer.start({ env: { BREAKWATER_SMTP_RELAY: sink.url } });
    ({ key } = await server.createOrg('deliverability'));
  });
  afterAll(async () => {
    await server?.stop();
    await sink?.close();
    await hooks?.close();
  });

  const send = (inboxId: string, to: string, extra: Record<string, unknown> = {}) => server.api('POST', `/v1/inboxes/${inboxId}/messages`, {
    key, body: { to: [to], subject: `note ${++seq}`, text: `body ${seq}`, ...extra }, headers: { 'idempotency-key': randomUUID() },
  });
  const message = async (id: string) => (await server.api('GET', `/v1/messages/${id}`, { key })).body;
  const settled = (id: string, status: string) => server.until(async () => {
    const m = await message(id);
    return m.status === status && m;
  });

  it('signs outbound mail with DKIM that mailauth verifies against the record GET /v1/domains published', async () => {
    const inbox = await server.createInbox(key, 'signer');
    const res = await send(inbox.id, 'verify@example.net', { cc: ['copy@example.net'], subject: 'Signed, sealed' });
    expect(res.status).toBe(202);
    const m = await settled(res.body.id, 'sent');
    const [got] = await sink.waitFor(() => sink.byMessageId(m.message_id).length > 0 && sink.byMessageId(m.message_id));

    const domains = (await server.api('GET', '/v1/domains', { key })).body.data;
    const record = domains[0].records.find((r: { purpose: string }) => r.purpose === 'dkim');
    // DNS serves a long TXT record as strings of at most 255 octets (RFC 1035 §3.3.14).
    const resolver = async (name: string, type: string) => {
      if (type === 'TXT' && name === record.name) return [record.value.match(/.{1,255}/g)];
      throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
    };
    const { results } = await dkimVerify(got!.raw, { resolver });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ signingDomain: 'agents.localhost', selector: domains[0].dkim.selector, status: { result: 'pass' } });
    const header = got!.raw.toString('latin1').split(/\r\n(?![ \t])/)[0]!.replace(/\r\n[ \t]/g, ' ');
    expect(header).toMatch(/c=relaxed\/relaxed/);
    const signed = /h=([^;]+)/.exec(header)![1]!.split(':').map((h) => h.trim());
    expect(signed).toEqual(expect.arrayContaining(['from', 'to', 'cc', 'subject', 'date', 'message-id']));

    // The verifier does check: one changed header fails it.
    const tampered = Buffer.from(got!.raw.toString('latin1').replace('Subject: Signed, sealed', 'Subject: Signed, altered'), 'latin1');
    expect((await dkimVerify(tampered, { resolver })).results[0]!.status.result).toBe('fail');
    // What was stored is what was sent.
    const raw = await fetch(`${server.url}/v1/messages/${m.id}/raw`, { headers: { authorization: `Bearer ${key}` } });
    expect(Buffer.from(await raw.arrayBuffer()).equals(got!.raw)).toBe(true);
  });

  it('30 sends, 4 hard bounces at their VERP addresses: bounced, suppressed, paused; inbound, reads and webhooks go on', async () => {
    const a = await server.createInbox(key, 'bouncy');
    const b = await server.createInbox(key, 'steady');
    const hook = await server.api('POST', '/v1/webhooks', { key, body: { url: hooks.url, events: ['message.received'], inbox_ids: [a.id] } });
    expect(hook.status).toBe(201);
    hooks.secret = hook.body.secret;

    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await send(a.id, `user${i}@example.org`);
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    const sent = await Promise.all(ids.map((id) => settled(id, 'sent')));
    expect(sink.messages.filter((m) => m.from.startsWith('bounces+')).length).toBeGreaterThanOrEqual(30);

    // Four RFC 3464 DSNs, 5.1.1, each to its message's VERP return path, from the null sender.
    for (const m of sent.slice(0, 4)) {
      const verp = `bounces+${m.id.toLowerCase()}@agents.localhost`;
      expect(sink.byMessageId(m.message_id)[0]!.from).toBe(verp);
      const codes = await smtpSend(server.smtpPort, '', [verp], dsn({ originalMessageId: m.message_id, to: a.address, recipients: [{ address: m.to[0], status: '5.1.1' }] }));
      expect(codes).toEqual([250, 250, 354, 250]);
    }

    for (const m of sent.slice(0, 4)) {
      const after = await settled(m.id, 'bounced');
      expect(after.status_reason).toMatch(/^hard bounce: user\d@example\.org 5\.1\.1 user_unknown/);
    }
    expect((await message(sent[4]!.id)).status).toBe('sent');

    const suppressed = (await server.api('GET', '/v1/suppressions', { key })).body.data;
    expect(suppressed.map((s: { address: string }) => s.address).sort()).toEqual(['user0@example.org', 'user1@example.org', 'user2@example.org', 'user3@example.org']);
    for (const s of suppressed) expect(s).toMatchObject({ reason: 'hard_bounce', source: 'auto', message_id: expect.stringMatching(/^msg_/) });

    const rep = (await server.api('GET', `/v1/inboxes/${a.id}/reputation`, { key })).body;
    expect(rep).toMatchObject({ state: 'paused', sent: 30, bounced: 4, complained: 0, outbound_limit: { limit: 0 } });
    expect(rep.bounce_rate).toBeCloseTo(4 / 30, 3);
    const changes = (await server.api('GET', `/v1/events?types=inbox.reputation_changed&inbox_id=${a.id}`, { key })).body.data;
    expect(changes.map((e: { data: { state: string } }) => e.data.state)).toEqual(['warning', 'throttled', 'paused']);
    const bouncedEvents = (await server.api('GET', '/v1/events?types=message.bounced', { key })).body.data;
    expect(bouncedEvents).toHaveLength(4);

    // Its inbound lane is untouched: mail over SMTP is stored, listed, and its webhook sent.
    const inbound = `From: friend@example.net\r\nTo: ${a.address}\r\nSubject: still there?\r\nMessage-ID: <still.${randomUUID()}@example.net>\r\n\r\nhello\r\n`;
    expect(await smtpSend(server.smtpPort, 'friend@example.net', [a.address], inbound)).toEqual([250, 250, 354, 250]);
    const got = await server.until(async () => (await server.api('GET', `/v1/inboxes/${a.id}/messages?direction=inbound`, { key })).body.data[0]);
    expect(got.subject).toBe('still there?');
    const [webhook] = await hooks.waitFor(1);
    expect(webhook!.verified).toBe(true);
    expect(JSON.parse(webhook!.body)).toMatchObject({ type: 'message.received', data: { message: { inbox_id: a.id, subject: 'still there?' } } });

    // Another inbox of the same org still sends.
    const other = await send(b.id, 'someone@example.org');
    expect(other.status).toBe(202);
    await settled(other.body.id, 'sent');

    // The paused one is refused, naming the rule and the fix.
    const refused = await send(a.id, 'user5@example.org');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'outbound_paused', rule: 'reputation paused', fix: expect.stringMatching(/operator/) });

    // Resume (the operator) → it sends again.
    const resumed = await server.api('POST', `/v1/inboxes/${a.id}/reputation/resume`, { key: server.operatorToken });
    expect(resumed.status).toBe(200);
    expect(resumed.body.state).toBe('warning');
    const again = await send(a.id, 'user5@example.org');
    expect(again.status).toBe(202);
    const delivered = await settled(again.body.id, 'sent');
    await sink.waitFor(() => sink.byMessageId(delivered.message_id).length === 1);
  }, 60_000);

  it('takes complaints at abuse@, ignores non-reports at postmaster@, and keeps reports apart from inbox mail', async () => {
    const c = await server.createInbox(key, 'complained-about');
    const res = await send(c.id, 'angry@example.org');
    const m = await settled(res.body.id, 'sent');
    const codes = await smtpSend(server.smtpPort, 'fbl@isp.example', ['abuse@agents.localhost'], arf({ originalMessageId: m.message_id, from: c.address, recipient: 'angry@example.org' }));
    expect(codes).toEqual([250, 250, 354, 250]);
    expect((await settled(m.id, 'complained')).status_reason).toBe('complaint (abuse) from angry@example.org');
    const list = (await server.api('GET', '/v1/suppressions', { key })).body.data;
    expect(list.find((s: { address: string }) => s.address === 'angry@example.org')).toMatchObject({ reason: 'complaint', message_id: m.id });

    const hello = 'From: someone@example.net\r\nTo: postmaster@agents.localhost\r\nSubject: hi\r\n\r\nhello postmaster\r\n';
    expect(await smtpSend(server.smtpPort, 'someone@example.net', ['PostMaster@agents.localhost'], hello)).toEqual([250, 250, 354, 250]);
    // A report address and an inbox in one transaction: the second is deferred to another (452).
    const { smtp } = await RawSmtp.open(server.smtpPort);
    try {
      await smtp.command('EHLO mx.example.net');
      await smtp.command('MAIL FROM:<>');
      expect((await smtp.command('RCPT TO:<postmaster@agents.localhost>')).code).toBe(250);
      expect((await smtp.command(`RCPT TO:<${c.address}>`)).code).toBe(452);
    } finally {
      smtp.close();
    }
  });
});
