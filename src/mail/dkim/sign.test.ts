import { createPrivateKey } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { binaryToBytes, toBase64 } from '../../core/bytes.ts';
import { relaxedBody, relaxedHeader, selectFields, splitMessage } from './canonicalize.ts';
import { signHeaderData } from './crypto.ts';
import { dkimTxtRecord, generateDkimKey, type DkimAlgorithm, type DkimKey } from './keys.ts';
import { signDkim, signDkimMany, type DkimSignOptions } from './sign.ts';

const DOMAIN = 'agents.example.com';
const NOW = new Date('2025-01-14T10:00:00Z');
const keys = {} as Record<DkimAlgorithm, DkimKey>;
const dns = new Map<string, string>();

/** Serves TXT records as DNS does: one record, split into strings of at most 255 octets. */
async function resolver(name: string, rrtype: string): Promise<string[][]> {
  const txt = rrtype === 'TXT' ? dns.get(name) : undefined;
  if (!txt) throw Object.assign(new Error(`no ${rrtype} for ${name}`), { code: 'ENOTFOUND' });
  return [txt.match(/.{1,255}/g)!];
}

interface Verdict { selector: string; result: string; comment: string | false | undefined }

async function verify(message: Uint8Array | string): Promise<Verdict[]> {
  const input = typeof message === 'string' ? Buffer.from(message, 'latin1') : Buffer.from(message);
  const { results } = await dkimVerify(input, { resolver, curTime: NOW });
  return results.map((r) => ({
    selector: String(r.selector),
    result: r.status.result,
    comment: r.status.comment,
  }));
}

/** The h= names of the first DKIM-Signature field of a signed message. */
function signedNames(signed: Uint8Array): string[] {
  const text = latin1(signed);
  const field = text.slice(0, text.search(/\r\n(?! )/)).replace(/\r\n /g, '');
  return /\bh=([^;]+)/.exec(field)![1]!.split(/\s*:\s*/);
}

const opts = (algorithm: DkimAlgorithm): DkimSignOptions => ({
  domain: DOMAIN, selector: algorithm === 'rsa' ? 'bw-rsa' : 'bw-ed', privateKeyPkcs8: keys[algorithm].privateKeyPkcs8, algorithm, now: NOW,
});

const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const crlf = (lines: string[]) => lines.join('\r\n');

const realistic = crlf([
  'From: "Agent Seven" <agent-7@agents.example.com>',
  'To: Ana Díaz <ana@example.net>, bob@example.org',
  'Cc: carol@example.org',
  'Subject: Quarterly numbers',
  'Date: Tue, 14 Jan 2025 10:00:00 +0000',
  'Message-ID: <msg_01JH@agents.example.com>',
  'In-Reply-To: <x1@example.net>',
  'References: <a0@example.net> <x1@example.net>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="b1"',
  'X-Breakwater-Message-Id: msg_01JH',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 8bit',
  '',
  'Hello Ana,',
  '',
  'The numbers are attached.',
  '',
  '--b1',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Hello Ana,</p>',
  '--b1--',
  '',
]);

const messages: Array<[string, Uint8Array]> = [
  ['a realistic multipart message', new TextEncoder().encode(realistic)],
  ['folded headers', new TextEncoder().encode(crlf([
    'From: Agent <agent@agents.example.com>',
    'To: one@example.net,',
    '\ttwo@example.net,',
    '  three@example.net',
    'Subject: a subject that is long enough',
    '\t to be folded over',
    ' three lines',
    'References: <a@example.net>',
    ' <b@example.net>',
    'Date: Tue, 14 Jan 2025 10:00:00 +0000',
    '',
    'Body.',
    '',
  ]))],
  ['trailing and repeated whitespace', new TextEncoder().encode(crlf([
    'From:   agent@agents.example.com   ',
    'To: bob@example.org\t ',
    'Subject:  many    spaces \t here  ',
    '',
    'line with trailing spaces   ',
    '  indented\t\tline  \t',
    '',
  ]))],
  ['an empty body', new TextEncoder().encode('From: agent@agents.example.com\r\nSubject: empty\r\n\r\n')],
  ['no body at all', new TextEncoder().encode('From: agent@agents.example.com\r\nSubject: headers only\r\n')],
  ['a body ending in empty and blank lines', new TextEncoder().encode('From: agent@agents.example.com\r\nSubject: tail\r\n\r\ntext\r\n\r\n\r\n   \r\n\t\r\n')],
  ['LF-only line endings', new TextEncoder().encode('From: agent@agents.example.com\nTo: bob@example.org\nSubject: unix\n  folded\n\nline one\nline two  \n\n')],
  ['raw UTF-8 headers and 8-bit body octets', Uint8Array.from([
    ...new TextEncoder().encode('From: agent@agents.example.com\r\nSubject: Grüße aus Köln\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\ncaf'),
    0xe9, 0x0d, 0x0a,
  ])],
];

beforeAll(async () => {
  for (const algorithm of ['rsa', 'ed25519'] as const) {
    keys[algorithm] = await generateDkimKey(algorithm);
    dns.set(`${opts(algorithm).selector}._domainkey.${DOMAIN}`, dkimTxtRecord(keys[algorithm]));
  }
});

describe.each(['rsa', 'ed25519'] as const)('signDkim with %s, checked by mailauth', (algorithm) => {
  it.each(messages)('passes: %s', async (_name, raw) => {
    const verdicts = await verify(await signDkim(raw, opts(algorithm)));
    expect(verdicts).toMatchObject([{ selector: opts(algorithm).selector, result: 'pass' }]);
  });

  it('fails when the Subject is changed', async () => {
    const signed = latin1(await signDkim(messages[0]![1], opts(algorithm)));
    const [v] = await verify(signed.replace('Subject: Quarterly numbers', 'Subject: Quarterly numbers!'));
    expect(v).toMatchObject({ result: 'fail', comment: 'bad signature' });
  });

  // RFC 6376 §6.1.3 calls a body hash mismatch a PERMFAIL; mailauth reports it as
  // "neutral" with this comment, so the test pins both.
  it('does not pass when the body is changed', async () => {
    const signed = latin1(await signDkim(messages[0]![1], opts(algorithm)));
    const [v] = await verify(signed.replace('The numbers are attached.', 'The numbers are wrong.'));
    expect(v).toMatchObject({ result: 'neutral', comment: 'body hash did not verify' });
  });

  it('fails when a second From is added above the first (From is oversigned)', async () => {
    const signed = latin1(await signDkim(messages[0]![1], opts(algorithm)));
    const [v] = await verify(signed.replace('\r\nFrom: ', '\r\nFrom: Mallory <m@evil.example>\r\nFrom: '));
    expect(v!.result).toBe('fail');
  });

  it('fails when a Reply-To is added (Reply-To is oversigned even when absent)', async () => {
    const signed = latin1(await signDkim(messages[0]![1], opts(algorithm)));
    const [v] = await verify(signed.replace('\r\nFrom: ', '\r\nReply-To: m@evil.example\r\nFrom: '));
    expect(v!.result).toBe('fail');
  });

  it('still passes after what relays do: a Received on top, refolding, trailing whitespace', async () => {
    const signed = latin1(await signDkim(messages[0]![1], opts(algorithm)));
    const relayed = 'Received: from mx by relay; Tue, 14 Jan 2025 10:00:01 +0000\r\n'
      + signed.replace('Subject: Quarterly', 'Subject:\r\n\t  Quarterly').replace('Hello Ana,', 'Hello Ana,   ') + '\r\n\r\n';
    expect((await verify(relayed))[0]!.result).toBe('pass');
  });
});

describe('the DKIM-Signature field', () => {
  it('lists present fields once per occurrence, then From and Reply-To once more', async () => {
    const signed = await signDkim(messages[0]![1], opts('rsa'));
    expect((await verify(signed))[0]!.result).toBe('pass');
    expect(signedNames(signed)).toEqual([
      'from', 'to', 'cc', 'subject', 'date', 'message-id', 'in-reply-to', 'references', 'mime-version', 'content-type',
      'from', 'reply-to',
    ]);
  });

  it('folds to lines of at most 78 characters and carries d=, s=, t= and c=', async () => {
    const signed = latin1(await signDkim(messages[0]![1], opts('rsa')));
    const field = signed.slice(0, signed.indexOf('\r\nFrom: '));
    expect(field.startsWith('DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;')).toBe(true);
    expect(field.split('\r\n').every((line, i) => line.length <= 78 && (i === 0 || /^ \S/.test(line)))).toBe(true);
    const tags = field.replace(/\r\n /g, '');
    expect(tags).toContain(`d=${DOMAIN};`);
    expect(tags).toContain('s=bw-rsa;');
    expect(tags).toContain(`t=${NOW.getTime() / 1000};`);
    expect(tags).not.toMatch(/[; ]l=/);
  });

  it('ends a message that has no empty line with one, so parsers find the header end', async () => {
    const signed = latin1(await signDkim(new TextEncoder().encode('From: a@agents.example.com'), opts('rsa')));
    expect(signed.endsWith('\r\nFrom: a@agents.example.com\r\n\r\n')).toBe(true);
  });

  it('prepends the field to the CRLF-normalized message and changes nothing else', async () => {
    const signed = latin1(await signDkim(new TextEncoder().encode('From: a@agents.example.com\n\nhi\n'), opts('ed25519')));
    expect(signed.slice(signed.indexOf('\r\nFrom: ') + 2)).toBe('From: a@agents.example.com\r\n\r\nhi\r\n');
  });

  it('signs repeated fields bottom-up when asked to sign them', async () => {
    const raw = new TextEncoder().encode('Received: one\r\nFrom: a@agents.example.com\r\nReceived: two\r\n\r\nx\r\n');
    const signed = await signDkim(raw, { ...opts('rsa'), headers: ['Received', 'From'] });
    expect((await verify(signed))[0]!.result).toBe('pass');
    expect(signedNames(signed)).toEqual(['received', 'received', 'from', 'from', 'reply-to']);
    const swapped = latin1(signed).replace('Received: one', 'Received: 1');
    expect((await verify(swapped))[0]!.result).toBe('fail');
  });
});

describe('signDkimMany', () => {
  it('adds an Ed25519 and an RSA signature that both pass', async () => {
    const signed = await signDkimMany(messages[0]![1], [opts('ed25519'), opts('rsa')]);
    expect(latin1(signed).startsWith('DKIM-Signature: v=1; a=ed25519-sha256;')).toBe(true);
    const verdicts = await verify(signed);
    expect(verdicts.map((v) => [v.selector, v.result])).toEqual([['bw-ed', 'pass'], ['bw-rsa', 'pass']]);
  });
});

describe('refusals', () => {
  const enc = (s: string) => new TextEncoder().encode(s);

  it('throws on a message without From, or with two', async () => {
    await expect(signDkim(enc('Subject: x\r\n\r\nbody'), opts('rsa'))).rejects.toThrow(/0 From fields/);
    await expect(signDkim(enc('From: a@x.example\r\nFrom: b@x.example\r\n\r\n'), opts('rsa'))).rejects.toThrow(/2 From fields/);
  });

  it('throws on a domain or selector that would break the field', async () => {
    const raw = enc('From: a@x.example\r\n\r\n');
    await expect(signDkim(raw, { ...opts('rsa'), domain: 'exa mple.com' })).rejects.toThrow(/signing domain/);
    await expect(signDkim(raw, { ...opts('rsa'), domain: 'bücher.example' })).rejects.toThrow(/signing domain/);
    await expect(signDkim(raw, { ...opts('rsa'), selector: 's;x=1' })).rejects.toThrow(/selector/);
  });

  it('rejects a key that is not base64 PKCS #8 of the named algorithm', async () => {
    const raw = enc('From: a@x.example\r\n\r\n');
    await expect(signDkim(raw, { ...opts('rsa'), privateKeyPkcs8: 'not base64!' })).rejects.toThrow();
    await expect(signDkim(raw, { ...opts('rsa'), privateKeyPkcs8: keys.ed25519.privateKeyPkcs8 })).rejects.toThrow();
  });
});

// RFC 8463 Appendix A: its keys, message and signatures. Both algorithms are
// deterministic, so the same canonical data must give the published bytes.
describe('RFC 8463 Appendix A known answers', () => {
  const rsaPkcs1 = [
    '-----BEGIN RSA PRIVATE KEY-----',
    'MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi',
    'Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM',
    'KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB',
    'AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm',
    '6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe',
    'zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy',
    '6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc',
    'uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy',
    'WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd',
    'WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a',
    'licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst',
    'o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe',
    'uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL',
    '-----END RSA PRIVATE KEY-----',
  ].join('\n');
  const rsaPkcs8 = createPrivateKey(rsaPkcs1).export({ type: 'pkcs8', format: 'der' }).toString('base64');
  // The Ed25519 secret is the raw 32-byte seed; PKCS #8 puts it behind a fixed prefix (RFC 8410 §7).
  const edPkcs8 = Buffer.concat([
    Buffer.from('302e020100300506032b657004220420', 'hex'),
    Buffer.from('nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=', 'base64'),
  ]).toString('base64');
  const rsaPublic = 'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB';
  const edPublic = '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=';

  const message = crlf([
    'DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;',
    ' d=football.example.com; i=@football.example.com;',
    ' q=dns/txt; s=brisbane; t=1528637909; h=from : to :',
    ' subject : date : message-id : from : subject : date;',
    ' bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;',
    ' b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus',
    ' Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==',
    'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;',
    ' d=football.example.com; i=@football.example.com;',
    ' q=dns/txt; s=test; t=1528637909; h=from : to : subject :',
    ' date : message-id : from : subject : date;',
    ' bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;',
    ' b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3',
    ' DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz',
    ' dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=',
    'From: Joe SixPack <joe@football.example.com>',
    'To: Suzie Q <suzie@shopping.example.net>',
    'Subject: Is dinner ready?',
    'Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)',
    'Message-ID: <20030712040037.46341.5F8J@football.example.com>',
    '',
    'Hi.',
    '',
    'We lost the game.  Are you hungry yet?',
    '',
    'Joe.',
    '',
  ]);
  const { headers, body } = splitMessage(binaryToBytes(message));

  it('gives the published body hash', async () => {
    expect(toBase64(new Uint8Array(await crypto.subtle.digest('SHA-256', relaxedBody(body))))).toBe('2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=');
  });

  it.each([['ed25519', 0, edPkcs8], ['rsa', 1, rsaPkcs8]] as const)('gives the published %s signature byte for byte', async (algorithm, index, pkcs8) => {
    const field = headers.filter((h) => h.name === 'dkim-signature')[index]!.raw;
    const at = field.lastIndexOf(' b=') + 3;
    const names = 'from:to:subject:date:message-id:from:subject:date'.split(':');
    const data = selectFields(headers, names).map((f) => relaxedHeader(f.raw) + '\r\n').join('') + relaxedHeader(field.slice(0, at));
    const b = toBase64(await signHeaderData(binaryToBytes(data), algorithm, pkcs8));
    expect(b).toBe(field.slice(at).replace(/\s+/g, ''));
  });

  it('signs the RFC message with the RFC keys so that mailauth passes both against the published p=', async () => {
    dns.set('brisbane._domainkey.football.example.com', dkimTxtRecord({ algorithm: 'ed25519', publicKeyDns: edPublic }));
    dns.set('test._domainkey.football.example.com', dkimTxtRecord({ algorithm: 'rsa', publicKeyDns: rsaPublic }));
    expect((await verify(message)).map((v) => v.result)).toEqual(['pass', 'pass']);
    const unsigned = binaryToBytes(message.slice(message.indexOf('From: ')));
    const common = { domain: 'football.example.com', now: new Date(1528637909000) };
    const signed = await signDkimMany(unsigned, [
      { ...common, selector: 'brisbane', algorithm: 'ed25519', privateKeyPkcs8: edPkcs8 },
      { ...common, selector: 'test', algorithm: 'rsa', privateKeyPkcs8: rsaPkcs8 },
    ]);
    expect((await verify(signed)).map((v) => v.result)).toEqual(['pass', 'pass']);
  });
});
