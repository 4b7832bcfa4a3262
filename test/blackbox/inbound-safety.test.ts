import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';
import { RawSmtp } from './raw-smtp.ts';

/**
 * Agent safety through the real MX. The server resolves with the system's DNS, which these tests
 * do not control: senders are under `.test` (RFC 2606), which never exists, so every verdict is
 * `none` (or `temperror` where DNS is unreachable). The pass/fail matrix with served records is
 * in src/adapters/mail-auth/mailauth and src/core/inbound/intake.test.ts.
 */
describe('inbound agent safety over SMTP (auth verdicts, trusted, extracted_text, lists)', () => {
  let server: TestServer;
  let key: string;
  let a: { id: string; address: string };
  let b: { id: string; address: string };

  const message = (from: string, to: string, id: string) => [
    `From: Sender <${from}>`, `To: ${to}`, 'Subject: Re: plan', `Message-ID: <${id}@sender.test>`, 'Date: Tue, 14 Jan 2025 10:00:00 +0000', '',
    'Sounds good, go ahead.', '', 'On Mon, Jan 13, 2025 at 9:00 AM Agent <agent@agents.localhost> wrote:', '> Shall I go ahead?', '.',
  ].join('\r\n');

  /** One SMTP transaction; returns each reply code (and the last reply's text). */
  async function transaction(from: string, rcpts: string[], body?: string): Promise<{ rcpt: Array<{ code: number; text: string }>; data?: { code: number; text: string } }> {
    const { smtp } = await RawSmtp.open(server.smtpPort);
    try {
      await smtp.command('EHLO client.sender.test');
      expect((await smtp.command(`MAIL FROM:<${from}>`)).code).toBe(250);
      const rcpt = [];
      for (const r of rcpts) rcpt.push(await smtp.command(`RCPT TO:<${r}>`));
      if (!body || !rcpt.some((r) => r.code === 250)) return { rcpt };
      expect((await smtp.command('DATA')).code).toBe(354);
      const data = await smtp.command(body);
      await smtp.command('QUIT').catch(() => {});
      return { rcpt, data };
    } finally {
      smtp.close();
    }
  }

  const inboundOf = async (inbox: { id: string }) => (await server.api('GET', `/v1/inboxes/${inbox.id}/messages?direction=inbound`, { key })).body.data;

  beforeAll(async () => {
    server = await TestServer.start();
    ({ key } = await server.createOrg('inbound-safety'));
    a = await server.createInbox(key, 'safety-a');
    b = await server.createInbox(key, 'safety-b');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a received message carries its verdicts, trusted false for an unauthenticated sender, and the reply without the quote', async () => {
    const res = await transaction('sender@sender.test', [a.address], message('sender@sender.test', a.address, 'plain-1'));
    expect(res.data?.code).toBe(250);
    const [m] = await inboundOf(a);
    expect(m.auth).toMatchObject({ from_domain: 'sender.test' });
    for (const method of ['spf', 'dkim', 'dmarc', 'arc']) expect(['none', 'temperror']).toContain(m.auth[method]);
    expect(m.trusted).toBe(false);
    expect(m.extracted_text).toBe('Sounds good, go ahead.');
    expect(m.text).toContain('> Shall I go ahead?');
  });

  it('a blocked sender is refused at RCPT with 550 5.7.1 naming the rule, while another inbox gets the mail', async () => {
    const entry = await server.api('POST', '/v1/lists', { key, body: { inbox_id: a.id, direction: 'inbound', action: 'block', pattern: 'blocked.test' } });
    expect(entry.status).toBe(201);
    const res = await transaction('spam@blocked.test', [a.address, b.address], message('spam@blocked.test', `${a.address}, ${b.address}`, 'blocked-1'));
    expect(res.rcpt[0]).toMatchObject({ code: 550 });
    expect(res.rcpt[0]!.text).toBe("5.7.1 <spam@blocked.test>: inbound block blocked.test (inbox list): refused by the recipient's allow or block list");
    expect(res.rcpt[1]!.code).toBe(250);
    expect(res.data?.code).toBe(250);
    expect((await inboundOf(b)).some((m: { message_id: string }) => m.message_id === '<blocked-1@sender.test>')).toBe(true);
    expect((await inboundOf(a)).some((m: { message_id: string }) => m.message_id === '<blocked-1@sender.test>')).toBe(false);
    await server.api('DELETE', `/v1/lists/${entry.body.id}`, { key });
  });

  it('an allow list refuses other From addresses at the end of DATA (the From is only known then)', async () => {
    const entry = await server.api('POST', '/v1/lists', { key, body: { inbox_id: b.id, direction: 'inbound', action: 'allow', pattern: 'friend.test' } });
    const refused = await transaction('bounces@esp.test', [b.address], message('stranger@other.test', b.address, 'allow-1'));
    expect(refused.rcpt[0]!.code).toBe(250);
    expect(refused.data).toMatchObject({ code: 550 });
    expect(refused.data!.text).toMatch(/^5\.7\.1 <stranger@other\.test>: inbound allow list \(inbox list\)/);
    const allowed = await transaction('bounces@esp.test', [b.address], message('pal@friend.test', b.address, 'allow-2'));
    expect(allowed.data?.code).toBe(250);
    await server.api('DELETE', `/v1/lists/${entry.body.id}`, { key });
  });
});
