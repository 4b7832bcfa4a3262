import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dsn } from '../helpers/reports.ts';
import { TestServer } from '../helpers/server.ts';
import { WebhookReceiver } from '../helpers/webhooks.ts';
import type { Message } from '../../src/sdk/index.ts';
import { RawSmtp } from './raw-smtp.ts';

/**
 * RFC 3834 through the public surface: inbound mail a machine sent (Auto-Submitted other than
 * "no", a bounce) carries `auto_submitted: true` in the API, the event log and the webhook; an
 * agent marks its own automatic answers with the header, and the hosted recipient sees the flag.
 */
describe('auto_submitted: telling an agent that a machine sent the mail', () => {
  let server: TestServer;
  let hooks: WebhookReceiver;
  let key: string;
  let a: { id: string; address: string };
  let b: { id: string; address: string };

  beforeAll(async () => {
    hooks = await WebhookReceiver.start();
    server = await TestServer.start();
    ({ key } = await server.createOrg('auto-submitted'));
    a = await server.createInbox(key, 'auto-a');
    b = await server.createInbox(key, 'auto-b');
    const hook = await server.api('POST', '/v1/webhooks', { key, body: { url: hooks.url, events: ['message.received'], inbox_ids: [a.id] } });
    expect(hook.status).toBe(201);
    hooks.secret = hook.body.secret;
  });
  afterAll(async () => {
    await server?.stop();
    await hooks?.close();
  });

  async function smtpDeliver(from: string, to: string, data: string): Promise<void> {
    const { smtp } = await RawSmtp.open(server.smtpPort);
    try {
      await smtp.command('EHLO mx.example.net');
      expect((await smtp.command(`MAIL FROM:<${from}>`)).code).toBe(250);
      expect((await smtp.command(`RCPT TO:<${to}>`)).code).toBe(250);
      expect((await smtp.command('DATA')).code).toBe(354);
      await smtp.write(`${data.replace(/\r\n\./g, '\r\n..')}\r\n.\r\n`);
      expect((await smtp.reply()).code).toBe(250);
      await smtp.command('QUIT');
    } finally {
      smtp.close();
    }
  }

  const mail = (messageId: string, extra: string[] = []) => [
    'From: Responder <responder@example.net>', `To: ${a.address}`, 'Subject: Re: your question', `Message-ID: ${messageId}`,
    'Date: Tue, 14 Jan 2025 10:00:00 +0000', ...extra, '', 'I am away until Monday.',
  ].join('\r\n');

  /** The inbound copy in `inbox` with this Message-ID, once stored. */
  const received = (inbox: { id: string }, messageId: string) => server.until(async () => {
    const res = await server.api('GET', `/v1/inboxes/${inbox.id}/messages?direction=inbound&limit=100`, { key });
    return (res.body.data as Message[]).find((m) => m.message_id === messageId);
  });
  const get = async (id: string): Promise<Message> => (await server.api('GET', `/v1/messages/${id}`, { key })).body;
  const webhookFor = (id: string) => server.until(async () => {
    const bodies = (await hooks.waitFor(1)).map((h) => ({ verified: h.verified, body: JSON.parse(h.body) }));
    return bodies.find((h) => h.body.data.message.id === id);
  });
  const eventFor = async (id: string) => {
    const events = (await server.api('GET', '/v1/events?types=message.received&limit=100', { key })).body.data;
    return events.find((e: { data: { message: { id: string } } }) => e.data.message.id === id);
  };

  it('is true for mail with Auto-Submitted: auto-replied, in GET, the event log and the message.received webhook', async () => {
    const messageId = `<away.${randomUUID()}@example.net>`;
    await smtpDeliver('responder@example.net', a.address, mail(messageId, ['Auto-Submitted: auto-replied']));
    const listed = await received(a, messageId);
    expect(listed.auto_submitted).toBe(true);
    expect((await get(listed.id)).auto_submitted).toBe(true);
    expect((await eventFor(listed.id))?.data.message.auto_submitted).toBe(true);
    const hook = await webhookFor(listed.id);
    expect(hook.verified).toBe(true);
    expect(hook.body).toMatchObject({ type: 'message.received', data: { message: { id: listed.id, auto_submitted: true } } });
  });

  it('is false for mail a person sent, and for Auto-Submitted: no', async () => {
    for (const extra of [[], ['Auto-Submitted: no']]) {
      const messageId = `<person.${randomUUID()}@example.net>`;
      await smtpDeliver('responder@example.net', a.address, mail(messageId, extra));
      const listed = await received(a, messageId);
      expect((await get(listed.id)).auto_submitted).toBe(false);
      expect((await eventFor(listed.id))?.data.message.auto_submitted).toBe(false);
      expect((await webhookFor(listed.id)).body.data.message.auto_submitted).toBe(false);
    }
  });

  it('is true for a delivery status notice that reached an inbox, marked or not', async () => {
    const report = dsn({ originalMessageId: '<lost@agents.localhost>', to: a.address, recipients: [{ address: 'gone@example.org', status: '5.1.1' }] })
      .replace('Auto-Submitted: auto-replied\r\n', '');
    expect(report).not.toMatch(/auto-submitted/i);
    const messageId = /^Message-ID: (.+)$/m.exec(report)![1]!.trim();
    await smtpDeliver('', a.address, report);
    expect((await get((await received(a, messageId)).id)).auto_submitted).toBe(true);
  });

  it('an agent marks its automatic reply; the hosted recipient\'s copy says auto_submitted, the sender\'s own copy does not', async () => {
    const first = await server.api('POST', `/v1/inboxes/${b.id}/messages`, {
      key, body: { to: [a.address], subject: 'Status?', text: 'Any news?' }, headers: { 'idempotency-key': randomUUID() },
    });
    expect(first.status).toBe(202);
    const question = await received(a, (await get(first.body.id)).message_id);
    expect(question.auto_submitted).toBe(false);

    const answer = await server.api('POST', `/v1/messages/${question.id}/reply`, {
      key, body: { text: 'Got it, I will look (automatic answer).', headers: { 'Auto-Submitted': 'auto-replied' } }, headers: { 'idempotency-key': randomUUID() },
    });
    expect(answer.status).toBe(202);
    const sent = await get(answer.body.id);
    expect(sent).toMatchObject({ direction: 'outbound', auto_submitted: false, headers: { 'Auto-Submitted': 'auto-replied' } });
    const raw = await fetch(`${server.url}/v1/messages/${sent.id}/raw`, { headers: { authorization: `Bearer ${key}` } });
    expect(await raw.text()).toMatch(/^Auto-Submitted: auto-replied\r$/m);

    const copy = await received(b, sent.message_id);
    expect(copy.auto_submitted).toBe(true);
    expect(copy.thread_id).toBe((await get(first.body.id)).thread_id);
  });

  it('refuses other Auto-Submitted values with 422 naming the header', async () => {
    for (const value of ['no', 'auto-notified', 'auto-replied; owner-email=x@example.net']) {
      const res = await server.api('POST', `/v1/inboxes/${a.id}/messages`, {
        key, body: { to: ['someone@example.com'], text: 'x', headers: { 'Auto-Submitted': value } }, headers: { 'idempotency-key': randomUUID() },
      });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'validation_failed', errors: [{ path: expect.stringContaining('Auto-Submitted') }] });
    }
  });
});
