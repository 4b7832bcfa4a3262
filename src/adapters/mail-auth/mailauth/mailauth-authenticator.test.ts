import { beforeAll, describe, expect, it } from 'vitest';
import { isTrusted } from '../../../core/inbound/verdicts.ts';
import { dkimTxtRecord, generateDkimKey, signDkim, type DkimKey } from '../../../mail/dkim/index.ts';
import { StaticResolver } from '../../resolver/static/static-resolver.ts';
import { mailauthResolver } from './dns-bridge.ts';
import { MailauthAuthenticator } from './mailauth-authenticator.ts';

const DOMAIN = 'sender.example';
const GOOD_IP = '192.0.2.10';
const SPOOF_IP = '198.51.100.7';
let key: DkimKey;
let auth: MailauthAuthenticator;

/** A TXT record as DNS serves it: one record, split into strings of at most 255 octets. */
const txt = (value: string) => [value.match(/.{1,255}/g)!];
const crlf = (...lines: string[]) => new TextEncoder().encode(lines.join('\r\n'));

function message(from: string, subject = 'Quarterly numbers'): Uint8Array {
  return crlf(
    `From: Alice <${from}>`, 'To: agent-7@agents.example.com', `Subject: ${subject}`,
    'Date: Tue, 14 Jan 2025 10:00:00 +0000', `Message-ID: <m1.${Math.random().toString(36).slice(2)}@${DOMAIN}>`,
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'The numbers are attached.', '',
  );
}

const sign = (raw: Uint8Array, domain = DOMAIN) => signDkim(raw, { domain, selector: 'bw', privateKeyPkcs8: key.privateKeyPkcs8, algorithm: 'rsa' });

beforeAll(async () => {
  key = await generateDkimKey('rsa');
  const resolver = new StaticResolver({
    txt: {
      [`bw._domainkey.${DOMAIN}`]: txt(dkimTxtRecord(key)),
      [DOMAIN]: [['v=spf1 ip4:192.0.2.10 -all']],
      [`_dmarc.${DOMAIN}`]: [['v=DMARC1; p=reject']],
      [`bw._domainkey.relay.example`]: txt(dkimTxtRecord(key)),
    },
    failing: ['broken.example', '_dmarc.broken.example'],
  });
  auth = new MailauthAuthenticator({ resolver, mta: 'mx.agents.example.com' });
});

describe('MailauthAuthenticator with a StaticResolver', () => {
  it('a signed message from an allowed IP with a DMARC record: spf, dkim and dmarc pass; trusted', async () => {
    const v = await auth.verify({ raw: await sign(message(`alice@${DOMAIN}`)), ip: GOOD_IP, helo: `mail.${DOMAIN}`, mailFrom: `alice@${DOMAIN}` });
    expect(v).toEqual({ spf: 'pass', dkim: 'pass', dmarc: 'pass', arc: 'none', fromDomain: DOMAIN });
    expect(isTrusted(v, false)).toBe(true);
    // A block always wins over a good verdict.
    expect(isTrusted(v, true)).toBe(false);
  });

  it('a spoofed From (no signature, SPF -all from another IP, p=reject): dmarc fails; not trusted', async () => {
    const v = await auth.verify({ raw: message(`ceo@${DOMAIN}`), ip: SPOOF_IP, helo: 'spoof.invalid', mailFrom: `ceo@${DOMAIN}` });
    expect(v).toMatchObject({ spf: 'fail', dkim: 'none', dmarc: 'fail', fromDomain: DOMAIN });
    expect(isTrusted(v, false)).toBe(false);
  });

  it('forwarded mail: SPF fails at the forwarder but the aligned DKIM signature carries DMARC', async () => {
    const v = await auth.verify({ raw: await sign(message(`alice@${DOMAIN}`)), ip: SPOOF_IP, helo: 'forwarder.example', mailFrom: `alice@${DOMAIN}` });
    expect(v).toMatchObject({ spf: 'fail', dkim: 'pass', dmarc: 'pass' });
  });

  it('a valid signature of another domain does not align: dmarc fails', async () => {
    const v = await auth.verify({ raw: await sign(message(`alice@${DOMAIN}`), 'relay.example'), ip: SPOOF_IP, helo: 'relay.example', mailFrom: 'bounce@relay.example' });
    expect(v).toMatchObject({ dkim: 'pass', dmarc: 'fail' });
  });

  it('a tampered body does not pass DKIM (mailauth says neutral: body hash mismatch)', async () => {
    const signed = new TextDecoder().decode(await sign(message(`alice@${DOMAIN}`))).replace('attached', 'ATTACHED');
    const v = await auth.verify({ raw: new TextEncoder().encode(signed), ip: SPOOF_IP, helo: 'x.example', mailFrom: `alice@${DOMAIN}` });
    expect(v.dkim).not.toBe('pass');
    expect(v.dmarc).toBe('fail');
  });

  it('a domain without any records: none everywhere', async () => {
    const v = await auth.verify({ raw: message('bob@unknown.example'), ip: SPOOF_IP, helo: 'unknown.example', mailFrom: 'bob@unknown.example' });
    expect(v).toEqual({ spf: 'none', dkim: 'none', dmarc: 'none', arc: 'none', fromDomain: 'unknown.example' });
  });

  it('a DNS fault is a temperror, never a pass and never a refusal', async () => {
    const v = await auth.verify({ raw: message('bob@broken.example'), ip: SPOOF_IP, helo: 'broken.example', mailFrom: 'bob@broken.example' });
    expect(v.spf).toBe('temperror');
    expect(v.dmarc).not.toBe('pass');
  });

  it('a null reverse-path (a bounce) is checked on HELO', async () => {
    const v = await auth.verify({ raw: message(`mailer-daemon@${DOMAIN}`), ip: SPOOF_IP, helo: 'unknown.example', mailFrom: null });
    expect(v.spf).toBe('none');
  });

  // Known mailauth bug (see mailauth-authenticator.ts): bytes 0x85 and 0xA0 read as whitespace.
  // If this starts to pass, mailauth fixed it: drop the note in the adapter.
  it('known mailauth bug: a correct signature over raw UTF-8 "à" (C3 A0) in a header fails DKIM', async () => {
    const v = await auth.verify({ raw: await sign(message(`alice@${DOMAIN}`, 'Voilà le rapport')), ip: SPOOF_IP, helo: 'x.example', mailFrom: 'x@x.example' });
    expect(v.dkim).toBe('fail');
    // Without "à" the same message verifies.
    const ok = await auth.verify({ raw: await sign(message(`alice@${DOMAIN}`, 'Voila le rapport')), ip: SPOOF_IP, helo: 'x.example', mailFrom: 'x@x.example' });
    expect(ok.dkim).toBe('pass');
  });
});

describe('mailauthResolver (the Resolver port as mailauth expects it)', () => {
  it('maps an empty answer to ENODATA, filters A and AAAA by family, and caches answers', async () => {
    let lookups = 0;
    const resolve = mailauthResolver({
      resolveHost: async (h) => { lookups++; return h === 'dual.example' ? ['192.0.2.1', '2001:db8::1'] : []; },
      resolveTxt: async () => { lookups++; return []; },
    });
    expect(await resolve('dual.example', 'A')).toEqual(['192.0.2.1']);
    expect(await resolve('dual.example', 'AAAA')).toEqual(['2001:db8::1']);
    await expect(resolve('none.example', 'TXT')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(resolve('none.example', 'TXT')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(resolve('dual.example', 'PTR')).rejects.toMatchObject({ code: 'ENODATA' });
    expect(await resolve('DUAL.example.', 'A')).toEqual(['192.0.2.1']);
    // A, AAAA and TXT asked once each: the repeats (any case, trailing dot) are cached; PTR asks nothing.
    expect(lookups).toBe(3);
  });

  it('passes faults through as server failures and does not cache them', async () => {
    let calls = 0;
    const resolve = mailauthResolver({ resolveHost: async () => [], resolveTxt: async () => { calls++; throw new Error('SERVFAIL'); } });
    await expect(resolve('x.example', 'TXT')).rejects.toMatchObject({ code: 'ESERVFAIL' });
    await expect(resolve('x.example', 'TXT')).rejects.toMatchObject({ code: 'ESERVFAIL' });
    expect(calls).toBe(2);
  });
});
