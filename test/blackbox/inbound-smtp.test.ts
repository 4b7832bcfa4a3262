import { randomBytes } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';
import type { Message } from '../../src/sdk/index.ts';
import { RawSmtp } from './raw-smtp.ts';

const MAX_SIZE = 25 * 1024 * 1024;

describe('inbound SMTP (the MX)', () => {
  let server: TestServer;
  let key: string;
  let inbox: { id: string; address: string };

  /** Builds the exact bytes nodemailer would send, so /raw can be compared byte for byte. */
  async function build(mail: SendMailOptions): Promise<Buffer> {
    const info = await nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' }).sendMail(mail);
    return info.message as Buffer;
  }

  function client(extra: Record<string, unknown> = {}) {
    return nodemailer.createTransport({ host: '127.0.0.1', port: server.smtpPort, secure: false, tls: { rejectUnauthorized: false }, ...extra });
  }

  async function deliver(raw: Buffer, to = inbox.address, extra: Record<string, unknown> = {}) {
    const transport = client(extra);
    try {
      return await transport.sendMail({ envelope: { from: 'sender@example.net', to: [to] }, raw });
    } finally {
      transport.close();
    }
  }

  async function inboundByMessageId(messageId: string): Promise<Message> {
    return server.until(async () => {
      const res = await server.api('GET', `/v1/inboxes/${inbox.id}/messages?direction=inbound&limit=100`, { key });
      return res.body.data.find((m: { message_id: string }) => m.message_id === messageId);
    });
  }

  beforeAll(async () => {
    server = await TestServer.start();
    ({ key } = await server.createOrg('inbound-smtp'));
    inbox = await server.createInbox(key, 'mx-test');
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe('a delivered message', () => {
    const attachment = randomBytes(3000);
    const firstId = `<first-${Date.now()}@example.net>`;
    let raw: Buffer;
    let stored: Message;

    beforeAll(async () => {
      raw = await build({
        from: 'Sender Person <sender@example.net>', to: inbox.address, subject: 'Quarterly numbers',
        text: 'Hello agent,\nthe numbers are attached.\n', html: '<p>Hello agent,</p><p>the numbers are <b>attached</b>.</p>',
        messageId: firstId,
        attachments: [{ filename: 'numbers.bin', content: attachment, contentType: 'application/octet-stream' }],
      });
      const info = await deliver(raw);
      expect(info.response).toMatch(/^250 /);
      stored = await inboundByMessageId(firstId);
    });

    it('is listed with the right fields', () => {
      expect(stored).toMatchObject({
        inbox_id: inbox.id, direction: 'inbound', status: 'received', subject: 'Quarterly numbers', message_id: firstId,
        to: [inbox.address], in_reply_to: null, references: [],
      });
      expect(stored.id).toMatch(/^msg_/);
      expect(stored.thread_id).toMatch(/^thr_/);
      expect(stored.from).toContain('sender@example.net');
      expect(stored.text?.trim()).toBe('Hello agent,\nthe numbers are attached.');
      expect(stored.html).toContain('<b>attached</b>');
    });

    it('has attachment metadata and a received event', async () => {
      const res = await server.api('GET', `/v1/messages/${stored.id}`, { key });
      expect(res.status).toBe(200);
      expect(res.body.attachments).toEqual([{ id: expect.stringMatching(/^att_/), filename: 'numbers.bin', content_type: 'application/octet-stream', size: 3000 }]);
      expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['received']);
      expect(res.body.events[0].detail).toMatchObject({ via: 'smtp', envelope_from: 'sender@example.net' });
    });

    it('serves the raw bytes exactly as received', async () => {
      const res = await fetch(`${server.url}/v1/messages/${stored.id}/raw`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('message/rfc822');
      expect(Buffer.from(await res.arrayBuffer()).equals(raw)).toBe(true);
    });

    it('serves the attachment bytes exactly', async () => {
      const meta = await server.api('GET', `/v1/messages/${stored.id}`, { key });
      const aid = meta.body.attachments[0].id;
      const res = await fetch(`${server.url}/v1/messages/${stored.id}/attachments/${aid}`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('content-disposition')).toContain('numbers.bin');
      expect(Buffer.from(await res.arrayBuffer()).equals(attachment)).toBe(true);
    });

    it('threads a reply by In-Reply-To and References', async () => {
      const replyId = `<reply-${Date.now()}@example.net>`;
      await deliver(await build({
        from: 'sender@example.net', to: inbox.address, subject: 'Re: Quarterly numbers', text: 'one more thing',
        messageId: replyId, inReplyTo: firstId, references: [firstId],
      }));
      const reply = await inboundByMessageId(replyId);
      expect(reply.thread_id).toBe(stored.thread_id);
      expect(reply.in_reply_to).toBe(firstId);
      expect(reply.references).toEqual([firstId]);
      const thread = await server.api('GET', `/v1/threads/${stored.thread_id}`, { key });
      expect(thread.status).toBe(200);

      // Unrelated mail starts its own thread.
      const otherId = `<other-${Date.now()}@example.net>`;
      await deliver(await build({ from: 'sender@example.net', to: inbox.address, subject: 'Something else', text: 'hi', messageId: otherId }));
      expect((await inboundByMessageId(otherId)).thread_id).not.toBe(stored.thread_id);
    });
  });

  describe('recipients and retransmissions', () => {
    it('one SMTP transaction for two hosted inboxes stores one copy in each', async () => {
      const other = await server.createInbox(key, 'mx-test-2');
      const id = `<two-${Date.now()}@example.net>`;
      const raw = await build({ from: 'sender@example.net', to: [inbox.address, other.address], subject: 'for both', text: 'hi both', messageId: id });
      const t = client();
      try {
        const info = await t.sendMail({ envelope: { from: 'sender@example.net', to: [inbox.address, other.address] }, raw });
        expect(info.accepted).toEqual([inbox.address, other.address]);
      } finally {
        t.close();
      }
      const mine = await inboundByMessageId(id);
      const theirs = await server.until(async () => {
        const res = await server.api('GET', `/v1/inboxes/${other.id}/messages?direction=inbound`, { key });
        return (res.body.data as Message[]).find((m) => m.message_id === id);
      });
      expect(theirs.id).not.toBe(mine.id);
      expect(theirs.thread_id).not.toBe(mine.thread_id);
    });

    it('a retransmission with the same Message-ID (a sender that missed our 250) is stored once', async () => {
      const id = `<again-${Date.now()}@example.net>`;
      const raw = await build({ from: 'sender@example.net', to: inbox.address, subject: 'twice', text: 'same bytes', messageId: id });
      expect((await deliver(raw)).response).toMatch(/^250 /);
      expect((await deliver(raw)).response).toMatch(/^250 /);
      await inboundByMessageId(id);
      const res = await server.api('GET', `/v1/inboxes/${inbox.id}/messages?direction=inbound&limit=100`, { key });
      expect((res.body.data as Message[]).filter((m) => m.message_id === id)).toHaveLength(1);
    });
  });

  describe('the SMTP conversation', () => {
    it('announces SIZE 26214400 and STARTTLS in EHLO', async () => {
      const { smtp, greeting } = await RawSmtp.open(server.smtpPort);
      try {
        expect(greeting.code).toBe(220);
        const ehlo = await smtp.command('EHLO client.example.net');
        expect(ehlo.code).toBe(250);
        expect(ehlo.lines).toContain(`SIZE ${MAX_SIZE}`);
        expect(ehlo.lines).toContain('STARTTLS');
        expect(ehlo.lines).not.toContain('AUTH');
      } finally {
        smtp.close();
      }
    });

    it('delivers over STARTTLS when the client requires it', async () => {
      const id = `<tls-${Date.now()}@example.net>`;
      const info = await deliver(await build({ from: 'sender@example.net', to: inbox.address, subject: 'over TLS', text: 'secret', messageId: id }), inbox.address, { requireTLS: true });
      expect(info.response).toMatch(/^250 /);
      expect((await inboundByMessageId(id)).subject).toBe('over TLS');
    });

    it('refuses to relay for other domains with 550 5.7.1', async () => {
      const { smtp } = await RawSmtp.open(server.smtpPort);
      try {
        await smtp.command('EHLO client.example.net');
        expect((await smtp.command('MAIL FROM:<sender@example.net>')).code).toBe(250);
        const rcpt = await smtp.command('RCPT TO:<someone@example.com>');
        expect(rcpt.code).toBe(550);
        expect(rcpt.text).toMatch(/^5\.7\.1 /);
      } finally {
        smtp.close();
      }
    });

    it('refuses an unknown user on the hosted domain with 550 5.1.1, and accepts a known one', async () => {
      const { smtp } = await RawSmtp.open(server.smtpPort);
      try {
        await smtp.command('EHLO client.example.net');
        await smtp.command('MAIL FROM:<sender@example.net>');
        const unknown = await smtp.command('RCPT TO:<nobody-here@agents.localhost>');
        expect(unknown.code).toBe(550);
        expect(unknown.text).toMatch(/^5\.1\.1 /);
        expect((await smtp.command(`RCPT TO:<${inbox.address}>`)).code).toBe(250);
        // Case does not matter in the domain (RFC 5321 §2.4).
        expect((await smtp.command(`RCPT TO:<${inbox.address.replace('agents.localhost', 'Agents.LOCALHOST')}>`)).code).toBe(250);
        expect((await smtp.command('RSET')).code).toBe(250);
        expect((await smtp.command('QUIT')).code).toBe(221);
      } finally {
        smtp.close();
      }
    });

    it('refuses a declared SIZE over the limit with 552', async () => {
      const { smtp } = await RawSmtp.open(server.smtpPort);
      try {
        await smtp.command('EHLO client.example.net');
        const mail = await smtp.command(`MAIL FROM:<sender@example.net> SIZE=${MAX_SIZE + 1}`);
        expect(mail.code).toBe(552);
        expect((await smtp.command(`MAIL FROM:<sender@example.net> SIZE=${MAX_SIZE}`)).code).toBe(250);
      } finally {
        smtp.close();
      }
    });

    it('refuses a message over 25 MiB with 552 5.3.4 and stores nothing', async () => {
      const before = await server.api('GET', `/v1/inboxes/${inbox.id}/messages?limit=100`, { key });
      const { smtp } = await RawSmtp.open(server.smtpPort);
      try {
        await smtp.command('EHLO client.example.net');
        expect((await smtp.command('MAIL FROM:<sender@example.net>')).code).toBe(250);
        expect((await smtp.command(`RCPT TO:<${inbox.address}>`)).code).toBe(250);
        expect((await smtp.command('DATA')).code).toBe(354);
        const line = `${'x'.repeat(998)}\r\n`;
        const body = Buffer.from(line.repeat(Math.ceil((MAX_SIZE + 64 * 1024) / line.length)));
        await smtp.write(`From: sender@example.net\r\nTo: ${inbox.address}\r\nSubject: too big\r\nMessage-ID: <big-${Date.now()}@example.net>\r\n\r\n`);
        await smtp.write(body);
        const end = await smtp.command('.', 30_000);
        expect(end.code).toBe(552);
        expect(end.text).toMatch(/^5\.3\.4 /);
        // The session stays usable after the refusal.
        expect((await smtp.command('NOOP')).code).toBe(250);
      } finally {
        smtp.close();
      }
      const after = await server.api('GET', `/v1/inboxes/${inbox.id}/messages?limit=100`, { key });
      expect(after.body.data.length).toBe(before.body.data.length);
    });
  });

  describe('abandoned TLS handshakes', () => {
    async function startTls(): Promise<RawSmtp> {
      const { smtp } = await RawSmtp.open(server.smtpPort);
      await smtp.command('EHLO client.example.net');
      const go = await smtp.command('STARTTLS');
      expect(go.code).toBe(220);
      return smtp;
    }

    async function stillServing() {
      expect((await server.api('GET', '/healthz')).status).toBe(200);
      const id = `<after-abandon-${Date.now()}-${randomBytes(3).toString('hex')}@example.net>`;
      await deliver(await build({ from: 'sender@example.net', to: inbox.address, subject: 'still here', text: 'ok', messageId: id }));
      await inboundByMessageId(id);
      expect(server.exitCode).toBeNull();
    }

    it('survives garbage instead of a ClientHello', async () => {
      const smtp = await startTls();
      await smtp.write(Buffer.from('this is not TLS at all\r\n\r\n'));
      await new Promise((r) => setTimeout(r, 200));
      smtp.close();
      await stillServing();
    });

    it('survives a half-sent ClientHello and a close', async () => {
      const smtp = await startTls();
      // A TLS record header announcing a 512-byte handshake, then only a few bytes of it.
      await smtp.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
      smtp.close();
      await stillServing();
    });

    it('survives a close right after STARTTLS, and a client that resets mid-handshake', async () => {
      (await startTls()).close();
      const smtp = await startTls();
      const tls = tlsConnect({ socket: smtp.socket, rejectUnauthorized: false });
      tls.on('error', () => {});
      // Reset the connection as soon as the ClientHello is out.
      setImmediate(() => smtp.socket.resetAndDestroy());
      await new Promise((r) => setTimeout(r, 200));
      tls.destroy();
      await stillServing();
    });

    it('survives a client that completes TLS and then drops the session', async () => {
      const smtp = await startTls();
      const tls = tlsConnect({ socket: smtp.socket, rejectUnauthorized: false });
      await new Promise<void>((resolve, reject) => { tls.once('secureConnect', resolve); tls.once('error', reject); });
      tls.write('EHLO client.example.net\r\nMAIL FROM:<sender@example.net>\r\n');
      tls.destroy();
      await stillServing();
    });
  });

  describe('long-poll', () => {
    it('returns as soon as new mail arrives, not at the end of the wait', async () => {
      const latest = await server.api('GET', `/v1/inboxes/${inbox.id}/messages?direction=inbound&limit=1`, { key });
      const after = latest.body.data[0].id as string;
      const pollStarted = Date.now();
      const poll = server.api('GET', `/v1/inboxes/${inbox.id}/messages?direction=inbound&after=${after}&wait=10`, { key })
        .then((res) => ({ res, at: Date.now() }));
      // Let the poll reach its wait before the mail arrives.
      await new Promise((r) => setTimeout(r, 500));
      const id = `<poll-${Date.now()}@example.net>`;
      await deliver(await build({ from: 'sender@example.net', to: inbox.address, subject: 'wake up', text: 'new mail', messageId: id }));
      const acked = Date.now();
      const { res, at } = await poll;
      expect(res.status).toBe(200);
      expect(res.body.data.map((m: { message_id: string }) => m.message_id)).toEqual([id]);
      expect(at - pollStarted).toBeGreaterThanOrEqual(500);
      expect(at - acked).toBeLessThan(2000);
    });

    it('answers an empty page when the wait runs out', async () => {
      const latest = await server.api('GET', `/v1/inboxes/${inbox.id}/messages?direction=inbound&limit=1`, { key });
      const started = Date.now();
      const res = await server.api('GET', `/v1/inboxes/${inbox.id}/messages?direction=inbound&after=${latest.body.data[0].id}&wait=1`, { key });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    });
  });
});
