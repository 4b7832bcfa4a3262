import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';
import type { Message } from '../../src/sdk/index.ts';
import { RawSmtp, type SmtpReply } from './raw-smtp.ts';

const MAX_RECIPIENTS = 5;
const MAX_FAILED = 3;

/**
 * Relay tricks, recipient floods, oversized headers and SMTP smuggling against a real MX
 * process, over raw sockets, with small limits so a flood is a few commands.
 */
describe('SMTP abuse (the MX refuses it, with an enhanced status, and stores nothing)', () => {
  let server: TestServer;
  let key: string;
  let inbox: { id: string; address: string };
  const local = () => inbox.address.split('@')[0]!;

  async function session(ehlo = true): Promise<RawSmtp> {
    const { smtp, greeting } = await RawSmtp.open(server.smtpPort);
    expect(greeting.code).toBe(220);
    if (ehlo) expect((await smtp.command('EHLO client.example.net')).code).toBe(250);
    return smtp;
  }

  async function inbound(of = inbox): Promise<Message[]> {
    return (await server.api('GET', `/v1/inboxes/${of.id}/messages?direction=inbound&limit=100`, { key })).body.data;
  }

  /** MAIL, one RCPT, DATA, and the message bytes as they are (no dot-stuffing), ended by CRLF.CRLF. */
  async function send(body: string, rcpt = inbox.address): Promise<SmtpReply> {
    const smtp = await session();
    try {
      expect((await smtp.command('MAIL FROM:<sender@example.net>')).code).toBe(250);
      expect((await smtp.command(`RCPT TO:<${rcpt}>`)).code).toBe(250);
      expect((await smtp.command('DATA')).code).toBe(354);
      await smtp.write(Buffer.from(body, 'latin1'));
      const end = await smtp.command('\r\n.', 15_000);
      // Nothing smuggled inside the body was run as a command: the next reply is NOOP's own.
      expect(await smtp.command('NOOP')).toMatchObject({ code: 250, text: '2.0.0 OK' });
      return end;
    } finally {
      smtp.close();
    }
  }

  const headers = (id: string, subject = 'abuse test') => `From: sender@example.net\r\nTo: ${inbox.address}\r\nSubject: ${subject}\r\nMessage-ID: <${id}@example.net>\r\n`;

  beforeAll(async () => {
    server = await TestServer.start({ env: { BREAKWATER_SMTP_MAX_RECIPIENTS: String(MAX_RECIPIENTS), BREAKWATER_SMTP_MAX_FAILED_RECIPIENTS: String(MAX_FAILED) } });
    ({ key } = await server.createOrg('smtp-abuse'));
    inbox = await server.createInbox(key, 'abuse-target');
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe('enhanced status codes (RFC 2034)', () => {
    it('are announced in EHLO and carried, once, by smtp-server\'s replies and ours', async () => {
      const smtp = await session(false);
      try {
        expect((await smtp.command('EHLO client.example.net')).lines).toContain('ENHANCEDSTATUSCODES');
        expect(await smtp.command(`MAIL FROM:<sender@example.net> SIZE=${25 * 1024 * 1024 + 1}`)).toMatchObject({ code: 552, text: expect.stringMatching(/^5\.3\.4 /) });
        expect(await smtp.command('MAIL FROM:<sender@example.net>')).toMatchObject({ code: 250, text: '2.1.0 Accepted' });
        const unknown = await smtp.command('RCPT TO:<nobody-here@agents.localhost>');
        expect(unknown).toMatchObject({ code: 550, text: '5.1.1 <nobody-here@agents.localhost>: no such mailbox here' });
        expect(await smtp.command('BOGUS')).toMatchObject({ code: 500, text: expect.stringMatching(/^5\.5\.2 /) });
      } finally {
        smtp.close();
      }
    });
  });

  describe('open-relay tricks', () => {
    // Each in its own session: refusals count towards the failed-recipient cap.
    async function rcpt(address: string): Promise<{ rcpt: SmtpReply; data: SmtpReply }> {
      const smtp = await session();
      try {
        await smtp.command('MAIL FROM:<sender@example.net>');
        const reply = await smtp.command(`RCPT TO:${address}`);
        // No recipient was accepted, so no message can follow.
        return { rcpt: reply, data: await smtp.command('DATA') };
      } finally {
        smtp.close();
      }
    }

    it.each([
      ['the percent hack', () => `<user%other.example@agents.localhost>`],
      ['a percent hack to a hosted mailbox', () => `<${local()}%other.example@agents.localhost>`],
      ['a bang path', () => `<other.example!user@agents.localhost>`],
      ['a quoted percent hack', () => `<"user%other.example"@agents.localhost>`],
      ['a source route to a foreign address', () => `<@agents.localhost:user@other.example>`],
      ['a two-hop source route', () => `<@agents.localhost,@relay.example:user@other.example>`],
      ['an IPv4 address literal', () => `<user@[127.0.0.1]>`],
      ['an IPv6 address literal', () => `<user@[IPv6:::1]>`],
      ['a hosted name as a prefix of a foreign domain', () => `<${local()}@agents.localhost.other.example>`],
    ])('%s is refused with 550 5.7.1', async (_name, address) => {
      const { rcpt: reply, data } = await rcpt(address());
      expect(reply.code).toBe(550);
      expect(reply.text).toMatch(/^5\.7\.1 .*relaying denied/);
      expect(data).toMatchObject({ code: 503, text: expect.stringMatching(/^5\.5\.1 /) });
    });

    it.each([
      ['a quoted local part hiding an address', () => `<"user@other.example"@agents.localhost>`],
      ['user@a@b', () => `<user@other.example@agents.localhost>`],
      ['a trailing dot on the hosted domain', () => `<${local()}@agents.localhost.>`],
      ['no angle brackets', () => `user@other.example`],
    ])('%s is refused as bad syntax by smtp-server (501 5.1.3) before any lookup', async (_name, address) => {
      const { rcpt: reply, data } = await rcpt(address());
      expect(reply).toMatchObject({ code: 501, text: expect.stringMatching(/^5\.1\.3 /) });
      expect(data.code).toBe(503);
    });

    it('what is ours is delivered: a case variant of the domain, a quoted dot-atom, a source route ending here', async () => {
      const smtp = await session();
      try {
        await smtp.command('MAIL FROM:<sender@example.net>');
        expect((await smtp.command(`RCPT TO:<${local()}@AGENTS.Localhost>`)).code).toBe(250);
        expect((await smtp.command(`RCPT TO:<"${local()}"@agents.localhost>`)).code).toBe(250);
        expect((await smtp.command(`RCPT TO:<@relay.example:${inbox.address}>`)).code).toBe(250);
        expect((await smtp.command('DATA')).code).toBe(354);
        const id = `ours-${Date.now()}`;
        expect((await smtp.command(`${headers(id)}\r\nhello\r\n.`)).code).toBe(250);
        // Three spellings of one mailbox: one copy.
        expect((await inbound()).filter((m) => m.message_id === `<${id}@example.net>`)).toHaveLength(1);
      } finally {
        smtp.close();
      }
    });
  });

  describe('recipient floods', () => {
    it(`past ${MAX_RECIPIENTS} recipients answers 452 4.5.3, keeps the session, and delivers to the accepted ones`, async () => {
      const targets = [];
      for (let i = 0; i <= MAX_RECIPIENTS; i++) targets.push(await server.createInbox(key, `flood-${i}`));
      const smtp = await session();
      try {
        await smtp.command('MAIL FROM:<sender@example.net>');
        const replies = [];
        for (const t of targets) replies.push(await smtp.command(`RCPT TO:<${t.address}>`));
        expect(replies.slice(0, MAX_RECIPIENTS).map((r) => r.code)).toEqual(Array(MAX_RECIPIENTS).fill(250));
        expect(replies[MAX_RECIPIENTS]).toMatchObject({ code: 452, text: expect.stringMatching(/^4\.5\.3 /) });
        // A 452 is the client's cue to send the rest later, not abuse: it never closes the session.
        for (let i = 0; i < MAX_FAILED + 2; i++) expect((await smtp.command(`RCPT TO:<${targets[MAX_RECIPIENTS]!.address}>`)).code).toBe(452);
        expect((await smtp.command('DATA')).code).toBe(354);
        const id = `flood-${Date.now()}`;
        expect((await smtp.command(`${headers(id)}\r\nfor five\r\n.`)).code).toBe(250);
      } finally {
        smtp.close();
      }
      for (const [i, t] of targets.entries()) {
        const got = (await inbound(t)).filter((m) => m.message_id.startsWith('<flood-'));
        expect(got).toHaveLength(i < MAX_RECIPIENTS ? 1 : 0);
      }
    });

    it(`after ${MAX_FAILED} refused recipients the next refusal is 421 4.7.0 and the session is closed`, async () => {
      const smtp = await session();
      try {
        await smtp.command('MAIL FROM:<sender@example.net>');
        expect((await smtp.command(`RCPT TO:<${inbox.address}>`)).code).toBe(250);
        for (let i = 0; i < MAX_FAILED; i++) expect((await smtp.command(`RCPT TO:<guess-${i}@agents.localhost>`)).code).toBe(550);
        const last = await smtp.command('RCPT TO:<guess-last@agents.localhost>');
        expect(last).toMatchObject({ code: 421, text: expect.stringMatching(/^4\.7\.0 too many refused recipients/) });
        expect(await smtp.waitClosed()).toBe(true);
      } finally {
        smtp.close();
      }
    });

    it('unparsable recipients count too', async () => {
      const smtp = await session();
      try {
        await smtp.command('MAIL FROM:<sender@example.net>');
        for (let i = 0; i < MAX_FAILED; i++) expect((await smtp.command(`RCPT TO:<a@b@c${i}.example>`)).code).toBe(501);
        expect((await smtp.command('RCPT TO:<a@b@c.example>')).code).toBe(421);
        expect(await smtp.waitClosed()).toBe(true);
      } finally {
        smtp.close();
      }
    });
  });

  describe('oversized headers', () => {
    it('a header section of more than 1000 fields is refused with 552 5.3.4 and nothing is stored', async () => {
      const id = `fields-${Date.now()}`;
      const many = Array.from({ length: 1001 }, (_, i) => `X-Filler-${i}: v`).join('\r\n');
      const end = await send(`${headers(id)}${many}\r\n\r\nbody`);
      expect(end).toMatchObject({ code: 552, text: expect.stringMatching(/^5\.3\.4 the header section exceeds the limit/) });
      expect((await inbound()).some((m) => m.message_id === `<${id}@example.net>`)).toBe(false);
    });

    it('a header section over 64 KiB of folded lines is refused with 552 5.3.4', async () => {
      const id = `folded-big-${Date.now()}`;
      const folded = `X-Huge: a\r\n${Array.from({ length: 140 }, () => ` ${'b'.repeat(500)}`).join('\r\n')}`;
      expect((await send(`${headers(id)}${folded}\r\n\r\nbody`)).code).toBe(552);
      expect((await inbound()).some((m) => m.message_id === `<${id}@example.net>`)).toBe(false);
    });

    it('a single header line over 998 characters is refused with 554 5.6.0; the same value folded is delivered', async () => {
      const words = Array.from({ length: 150 }, (_, i) => `word${i}`);
      const long = `long-${Date.now()}`;
      const refused = await send(`${headers(long)}X-Long: ${words.join(' ')}\r\n\r\nbody`);
      expect(refused).toMatchObject({ code: 554, text: expect.stringMatching(/^5\.6\.0 a header line exceeds 998/) });
      const folded = `folded-${Date.now()}`;
      expect((await send(`${headers(folded)}X-Long: ${words.join('\r\n ')}\r\n\r\nbody`)).code).toBe(250);
      const stored = await inbound();
      expect(stored.some((m) => m.message_id === `<${long}@example.net>`)).toBe(false);
      expect(stored.filter((m) => m.message_id === `<${folded}@example.net>`)).toHaveLength(1);
    });
  });

  describe('SMTP smuggling (bare LF / bare CR around a lone dot)', () => {
    const smuggled = (id: string) => `MAIL FROM:<ceo@bank.example>\r\nRCPT TO:<${inbox.address}>\r\nDATA\r\nFrom: ceo@bank.example\r\nSubject: smuggled\r\nMessage-ID: <${id}-smuggled@example.net>\r\n\r\npay now`;

    it.each([
      ['\\n.\\n', '\n.\n'],
      ['\\r.\\r', '\r.\r'],
      ['\\n.\\r\\n', '\n.\r\n'],
      ['\\r\\n.\\n', '\r\n.\n'],
      ['\\r\\n.\\r', '\r\n.\r'],
    ])('%s does not end the message; the message is refused with 554 5.6.0 and no message results', async (_name, fake) => {
      const id = `smuggle-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
      const before = (await inbound()).length;
      const end = await send(`${headers(id)}\r\nfirst message${fake}${smuggled(id)}`);
      expect(end).toMatchObject({ code: 554, text: expect.stringMatching(/^5\.6\.0 .*SMTP smuggling/) });
      const after = await inbound();
      expect(after.length).toBe(before);
      expect(after.some((m) => m.message_id.startsWith(`<${id}`))).toBe(false);
    });

    it('bare LFs without a lone dot are accepted as one message, bytes as received', async () => {
      const id = `barelf-${Date.now()}`;
      const body = `${headers(id).replace(/\r\n/g, '\n')}\nline one\nline two.\n..not a terminator\n`;
      expect((await send(body)).code).toBe(250);
      const got = (await inbound()).filter((m) => m.message_id === `<${id}@example.net>`);
      expect(got).toHaveLength(1);
      const raw = await fetch(`${server.url}/v1/messages/${got[0]!.id}/raw`, { headers: { authorization: `Bearer ${key}` } });
      // smtp-server takes the first dot of `..` after any LF as dot-stuffing; the CRLF before our terminator ends the message.
      expect(Buffer.from(await raw.arrayBuffer()).toString('latin1')).toBe(`${body.replace('\n..', '\n.')}\r\n`);
    });
  });

  describe('STARTTLS command injection (CVE-2011-0411)', () => {
    it('commands sent in plain text after STARTTLS, in the same packet, are never run inside TLS', async () => {
      const smtp = await session();
      try {
        await smtp.write('STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\n');
        expect((await smtp.reply()).code).toBe(220);
        await new Promise((r) => setTimeout(r, 300));
        const tls = await smtp.startTls();
        try {
          // Inside TLS the first reply is EHLO's own: nothing answers the injected MAIL, and it
          // set no sender, so a recipient is out of sequence.
          const ehlo = await tls.command('EHLO client.example.net');
          expect(ehlo.code).toBe(250);
          expect(ehlo.lines.length).toBeGreaterThan(1); // EHLO's multi-line answer, not a 250 to MAIL
          expect(tls.unread()).toEqual([]);
          expect(await tls.command(`RCPT TO:<${inbox.address}>`)).toMatchObject({ code: 503, text: expect.stringMatching(/^5\.5\.1 /) });
          expect((await tls.command('MAIL FROM:<sender@example.net>')).code).toBe(250);
        } finally {
          tls.close();
        }
      } finally {
        smtp.close();
      }
    });
  });

  it('every refusal was logged with its code and reply, never the message content', () => {
    const refusals = server.logs.filter((l) => l.includes('"smtp refusal"')).map((l) => JSON.parse(l) as { code: number; reply: string });
    expect(refusals.map((r) => r.code)).toEqual(expect.arrayContaining([421, 452, 501, 550, 552, 554]));
    const joined = server.logs.join('\n');
    for (const content of ['pay now', 'X-Filler-999', 'word149']) expect(joined).not.toContain(content);
  });
});
