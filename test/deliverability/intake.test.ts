/**
 * Bounce and complaint intake on the real app (in-memory SQLite, a fake relay, the delivery
 * worker run by hand): what a DSN or an ARF report does to the message, the suppression
 * list and the inbox's reputation, and what it must not do.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intakeReport } from '../../src/core/bounces/intake.ts';
import type { MailTransport, OutgoingMail } from '../../src/core/ports.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { arf, dsn } from '../helpers/reports.ts';
import { runDeliveries } from '../helpers/webhooks.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('bounce and complaint intake', () => {
  let t: TestApp;
  let key: string;
  let inbox: { id: string; address: string };
  const relayed: OutgoingMail[] = [];
  const relay: MailTransport = { send: async (m) => { relayed.push(m); return { ok: true, response: '250 2.0.0 queued' }; }, close: async () => {} };

  beforeAll(async () => {
    t = await buildTestApp({ transport: relay });
    ({ key } = await t.createOrg());
    inbox = (await t.request('POST', '/v1/inboxes', { key, body: { username: 'reporter' } })).body;
  });
  afterAll(() => t.close());

  async function sent(to: string[]): Promise<{ id: string; message_id: string }> {
    const res = await t.request('POST', `/v1/inboxes/${inbox.id}/messages`, { key, body: { to, subject: 'hello', text: 'hi' }, headers: { 'idempotency-key': randomUUID() } });
    expect(res.status).toBe(202);
    await runDeliveries(t.deps);
    const m = (await t.request('GET', `/v1/messages/${res.body.id}`, { key })).body;
    expect(m.status).toBe('sent');
    return m;
  }
  const message = async (id: string) => (await t.request('GET', `/v1/messages/${id}`, { key })).body;
  const suppressions = async () => (await t.request('GET', '/v1/suppressions', { key })).body.data;
  const reputation = async () => (await t.request('GET', `/v1/inboxes/${inbox.id}/reputation`, { key })).body;

  it('a hard bounce at the VERP address: bounced, suppressed for the org, counted against the inbox', async () => {
    const m = await sent(['dead@example.org']);
    expect(relayed.at(-1)!.from).toBe(`bounces+${m.id.toLowerCase()}@agents.localhost`);
    const result = await intakeReport(t.deps, enc(dsn({ originalMessageId: m.message_id, to: inbox.address, recipients: [{ address: 'dead@example.org', status: '5.1.1' }] })), [m.id]);
    expect(result).toEqual({ kind: 'bounce', messageId: m.id, hard: ['dead@example.org'], soft: [] });
    const after = await message(m.id);
    expect(after).toMatchObject({ status: 'bounced', status_reason: 'hard bounce: dead@example.org 5.1.1 user_unknown' });
    expect(after.events.at(-1)).toMatchObject({ type: 'bounced', detail: { recipients: [{ recipient: 'dead@example.org', hard: true, reason: 'user_unknown', status: '5.1.1' }] } });
    expect(await suppressions()).toEqual([{ address: 'dead@example.org', reason: 'hard_bounce', source: 'auto', message_id: m.id, created_at: expect.any(String) }]);
    expect(await reputation()).toMatchObject({ sent: 1, bounced: 1, state: 'healthy' }); // one of one is below the 20-send sample
    const events = (await t.request('GET', '/v1/events?types=message.bounced', { key })).body.data;
    expect(events.map((e: { data: { message: { id: string } } }) => e.data.message.id)).toContain(m.id);
  });

  it('the same DSN twice counts once', async () => {
    const m = await sent(['twice@example.org']);
    const raw = enc(dsn({ originalMessageId: m.message_id, to: inbox.address, recipients: [{ address: 'twice@example.org', status: '5.1.1' }] }));
    const before = (await reputation()).bounced;
    await intakeReport(t.deps, raw, [m.id]);
    expect(await intakeReport(t.deps, raw, [m.id])).toMatchObject({ kind: 'bounce', hard: [] });
    expect((await reputation()).bounced).toBe(before + 1);
  });

  it('matches by the quoted Message-ID when it came to postmaster@ (no VERP token)', async () => {
    const m = await sent(['gone@example.org']);
    const result = await intakeReport(t.deps, enc(dsn({ originalMessageId: m.message_id, to: `postmaster@agents.localhost`, recipients: [{ address: 'gone@example.org', status: '5.1.1' }] })), []);
    expect(result).toMatchObject({ kind: 'bounce', messageId: m.id, hard: ['gone@example.org'] });
    expect((await message(m.id)).status).toBe('bounced');
  });

  it('a soft bounce (delayed, 4.x.x) is an event on the message, nothing more', async () => {
    const m = await sent(['full@example.org']);
    const result = await intakeReport(t.deps, enc(dsn({ originalMessageId: m.message_id, to: inbox.address, recipients: [{ address: 'full@example.org', status: '4.2.2', action: 'delayed', diagnostic: '452 4.2.2 Mailbox full' }] })), [m.id]);
    expect(result).toMatchObject({ kind: 'bounce', hard: [], soft: ['full@example.org'] });
    const after = await message(m.id);
    expect(after.status).toBe('sent');
    expect(after.events.at(-1)).toMatchObject({ type: 'soft_bounce', detail: { recipients: [{ recipient: 'full@example.org', hard: false, reason: 'mailbox_full' }] } });
    expect((await suppressions()).map((s: { address: string }) => s.address)).not.toContain('full@example.org');
  });

  it('a multi-recipient DSN acts per recipient: the hard one suppressed, the soft one only recorded', async () => {
    const m = await sent(['a-dead@example.org', 'a-full@example.org', 'a-fine@example.org']);
    const result = await intakeReport(t.deps, enc(dsn({ originalMessageId: m.message_id, to: inbox.address, recipients: [
      { address: 'a-dead@example.org', status: '5.1.1' },
      { address: 'a-full@example.org', status: '4.2.2', action: 'delayed', diagnostic: '452 4.2.2 Mailbox full' },
    ] })), [m.id]);
    expect(result).toMatchObject({ hard: ['a-dead@example.org'], soft: ['a-full@example.org'] });
    const addresses = (await suppressions()).map((s: { address: string }) => s.address);
    expect(addresses).toContain('a-dead@example.org');
    expect(addresses).not.toContain('a-full@example.org');
  });

  it('a report naming addresses the message was not sent to suppresses none of them', async () => {
    const m = await sent(['one@example.org', 'two@example.org']);
    const result = await intakeReport(t.deps, enc(dsn({ originalMessageId: m.message_id, to: inbox.address, recipients: [{ address: 'ceo@victim.example', status: '5.1.1' }] })), [m.id]);
    expect(result).toMatchObject({ kind: 'bounce', hard: [] });
    expect((await suppressions()).map((s: { address: string }) => s.address)).not.toContain('ceo@victim.example');
    expect((await message(m.id)).status).toBe('sent');
  });

  it('a complaint: complained, the complainant suppressed, counted against the inbox', async () => {
    const m = await sent(['angry@example.org']);
    const before = (await reputation()).complained;
    const result = await intakeReport(t.deps, enc(arf({ originalMessageId: m.message_id, from: inbox.address, recipient: 'angry@example.org' })), []);
    expect(result).toEqual({ kind: 'complaint', messageId: m.id, recipients: ['angry@example.org'] });
    expect(await message(m.id)).toMatchObject({ status: 'complained', status_reason: 'complaint (abuse) from angry@example.org' });
    expect((await suppressions())[0]).toMatchObject({ address: 'angry@example.org', reason: 'complaint', source: 'auto', message_id: m.id });
    expect((await reputation()).complained).toBe(before + 1);
  });

  it('a complaint with the complainant redacted, about a one-recipient message, names that recipient', async () => {
    const m = await sent(['quiet@example.org']);
    expect(await intakeReport(t.deps, enc(arf({ originalMessageId: m.message_id, from: inbox.address })), [])).toMatchObject({ kind: 'complaint', recipients: ['quiet@example.org'] });
  });

  it('ignores mail that is no report, and reports about no message of ours', async () => {
    const plain = 'From: someone@example.net\r\nTo: postmaster@agents.localhost\r\nSubject: hi\r\nMessage-ID: <x@example.net>\r\n\r\nhello postmaster\r\n';
    expect(await intakeReport(t.deps, enc(plain), [])).toEqual({ kind: 'ignored', reason: 'neither a bounce nor a complaint' });
    const stray = dsn({ originalMessageId: '<nobody@elsewhere.example>', to: 'x@agents.localhost', recipients: [{ address: 'x@example.org', status: '5.1.1' }] });
    expect(await intakeReport(t.deps, enc(stray), [])).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/no outbound message matches/) });
  });

  it('signs what it relays (DKIM) and stores the signed bytes as the message\'s raw', async () => {
    const m = await sent(['signed@example.org']);
    const raw = Buffer.from(relayed.at(-1)!.raw).toString('latin1');
    expect(raw).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=agents\.localhost;/);
    const stored = await (await t.app.request(`/v1/messages/${m.id}/raw`, { headers: { authorization: `Bearer ${key}` } })).arrayBuffer();
    expect(Buffer.from(stored).toString('latin1')).toBe(raw);
  });
});
