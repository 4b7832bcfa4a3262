import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailauthAuthenticator } from '../../adapters/mail-auth/mailauth/mailauth-authenticator.ts';
import { StaticResolver } from '../../adapters/resolver/static/static-resolver.ts';
import { buildTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { dkimTxtRecord, generateDkimKey, signDkim, type DkimKey } from '../../mail/dkim/index.ts';
import type { Inbox } from '../model.ts';
import { intakeMail } from './intake.ts';

const DOMAIN = 'sender.example';
let key: DkimKey;
let t: TestApp;
let apiKey: string;
let inbox: Inbox;

const crlf = (...lines: string[]) => new TextEncoder().encode(lines.join('\r\n'));
let seq = 0;

/** A reply as Gmail writes it: new text on top, the quoted history below. */
function reply(from: string): Uint8Array {
  return crlf(
    `From: Alice <${from}>`, `To: ${inbox.address}`, 'Subject: Re: Friday',
    'Date: Tue, 14 Jan 2025 10:00:00 +0000', `Message-ID: <r${++seq}@${DOMAIN}>`, 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8', '',
    'Friday works.', '', 'On Tue, Jan 14, 2025 at 9:00 AM Agent <agent@agents.localhost> wrote:', '> Can we meet on Friday?', '',
  );
}

beforeAll(async () => {
  key = await generateDkimKey('rsa');
  const resolver = new StaticResolver({
    txt: {
      [`bw._domainkey.${DOMAIN}`]: [dkimTxtRecord(key).match(/.{1,255}/g)!],
      [DOMAIN]: [['v=spf1 ip4:192.0.2.10 -all']],
      [`_dmarc.${DOMAIN}`]: [['v=DMARC1; p=reject']],
    },
  });
  t = await buildTestApp({ mailAuth: new MailauthAuthenticator({ resolver, mta: 'mx.test' }), deliverability: false });
  apiKey = (await t.createOrg()).key;
  const created = (await t.request('POST', '/v1/inboxes', { key: apiKey, body: { username: 'intake' } })).body;
  inbox = (await t.store.getInboxByAddress(created.address))!;
});
afterAll(() => t.close());

async function receive(raw: Uint8Array, ip: string, mailFrom: string) {
  const outcome = await intakeMail(t.deps, { raw, inboxes: [inbox], envelopeFrom: mailFrom, via: 'smtp', client: { ip, helo: 'mail.example' } });
  if (!outcome.ok) return { outcome, message: null };
  const message = (await t.request('GET', `/v1/messages/${outcome.stored[0]!.id}`, { key: apiKey })).body;
  return { outcome, message };
}

describe('the screened inbound pipeline (auth, trust, extracted text, lists)', () => {
  it('an authenticated reply: verdicts pass, trusted, and extracted_text without the quote', async () => {
    const signed = await signDkim(reply(`alice@${DOMAIN}`), { domain: DOMAIN, selector: 'bw', privateKeyPkcs8: key.privateKeyPkcs8, algorithm: 'rsa' });
    const { message } = await receive(signed, '192.0.2.10', `alice@${DOMAIN}`);
    expect(message).toMatchObject({
      auth: { spf: 'pass', dkim: 'pass', dmarc: 'pass', arc: 'none', from_domain: DOMAIN },
      trusted: true, extracted_text: 'Friday works.',
    });
    expect(message.text).toContain('> Can we meet on Friday?');
  });

  it('a spoofed From: dmarc fail, not trusted; it is still delivered, for the agent to judge', async () => {
    const { message } = await receive(reply(`ceo@${DOMAIN}`), '198.51.100.7', `ceo@${DOMAIN}`);
    expect(message).toMatchObject({ auth: { spf: 'fail', dkim: 'none', dmarc: 'fail' }, trusted: false });
  });

  it('a blocked From is refused before any DNS; the envelope sender is screened too', async () => {
    const entry = (await t.request('POST', '/v1/lists', { key: apiKey, body: { inbox_id: inbox.id, direction: 'inbound', action: 'block', pattern: 'spam.example' } })).body;
    const refused = await receive(reply('x@spam.example'), '198.51.100.7', 'x@spam.example');
    expect(refused.outcome).toMatchObject({ ok: false, refused: [{ address: 'x@spam.example', rule: 'inbound block spam.example (inbox list)', entryId: entry.id }] });
    const viaEnvelope = await receive(reply('friend@ok.example'), '198.51.100.7', 'bounce@spam.example');
    expect(viaEnvelope.outcome.ok).toBe(false);
    await t.request('DELETE', `/v1/lists/${entry.id}`, { key: apiKey });
    expect((await receive(reply('x@spam.example'), '198.51.100.7', 'x@spam.example')).outcome.ok).toBe(true);
  });

  it('with an allow list, only listed From addresses get in; the envelope (an ESP return path) does not matter', async () => {
    const entry = (await t.request('POST', '/v1/lists', { key: apiKey, body: { inbox_id: inbox.id, direction: 'inbound', action: 'allow', pattern: `*.${DOMAIN}` } })).body;
    const viaEsp = await receive(reply(`alice@mail.${DOMAIN}`), '198.51.100.7', 'bounces+123@esp.example');
    expect(viaEsp.outcome.ok).toBe(true);
    // Allowed is not trusted: the From is unauthenticated here.
    expect(viaEsp.message.trusted).toBe(false);
    const stranger = await receive(reply('bob@elsewhere.example'), '198.51.100.7', 'bob@elsewhere.example');
    expect(stranger.outcome).toMatchObject({ ok: false, refused: [{ rule: 'inbound allow list (inbox list): bob@elsewhere.example is not on it' }] });
    await t.request('DELETE', `/v1/lists/${entry.id}`, { key: apiKey });
  });
});
