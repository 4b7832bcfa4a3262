/**
 * Parser fuzzing (issue 10, item 3): the bounce and complaint parser, MIME parsing, address
 * parsing and reply extraction get arbitrary bytes and strings, mutated real messages (the seed
 * corpus under corpus/mail/ and the bounce fixtures) and synthetic stress shapes. Each must keep
 * its documented contract: parseReport and parseMail never throw, the address functions and
 * extractReply never throw; every call ends within a bounded time with bounded output.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/mail/bounces/index.ts';
import { bareAddress, messageIdList, parseMail } from '../../src/mail/parse.ts';
import { domainOf, isValidAddress, localPartOf, normalizeAddress, parseMailbox } from '../../src/mail/address.ts';
import { extractReply } from '../../src/mail/extract-reply.ts';
import { params } from './fuzz-settings.ts';

/** Slowest acceptable parse of one input up to a few hundred KiB, on a loaded CI machine. */
const MAX_MS = 1_500;

const dirs = [new URL('./corpus/mail/', import.meta.url), new URL('../fixtures/bounces/', import.meta.url)];
const seeds: Uint8Array[] = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.eml')).map((f) => new Uint8Array(readFileSync(new URL(f, d)))));

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

/** Byte-level damage an MTA, a proxy or an attacker does to a message. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), data: fc.oneof(
    fc.uint8Array({ maxLength: 16 }),
    fc.constantFrom('\r\n', '\n', '\r', '\r\n\r\n', '--', '\r\n--boundary--\r\n', '=?utf-8?B?', '=?x?Q?=FF?=', '=\r\n', '\0',
      '\r\nContent-Type: multipart/mixed; boundary=""\r\n', '\r\nContent-Type: message/delivery-status\r\n\r\n',
      '\r\nContent-Transfer-Encoding: base64\r\n', '\r\nContent-Type: text/plain; charset=utf-7\r\n', 'Final-Recipient: rfc822;',
      'Status: 5.1.1\r\n', 'Action: failed\r\n', 'Feedback-Type: abuse\r\n', '\u00ff\u00fe', '🙂').map(bytes),
  ) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.nat(200) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.nat(500), times: fc.integer({ min: 2, max: 50 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('line-endings' as const), crlf: fc.boolean() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(input: Uint8Array, m: Mutation): Uint8Array {
  const at = input.length === 0 ? 0 : ('at' in m ? m.at % (input.length + 1) : 0);
  const join = (...parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  };
  switch (m.kind) {
    case 'flip': { const out = input.slice(); if (out.length) out[Math.min(at, out.length - 1)] = m.byte; return out; }
    case 'insert': return join(input.subarray(0, at), m.data, input.subarray(at));
    case 'delete': return join(input.subarray(0, at), input.subarray(at + m.length));
    case 'duplicate': { const slice = input.subarray(at, at + m.length); return join(input.subarray(0, at), ...Array<Uint8Array>(m.times).fill(slice), input.subarray(at)); }
    case 'truncate': return input.subarray(0, at);
    case 'line-endings': {
      const text = new TextDecoder('latin1').decode(input).replace(/\r\n/g, '\n');
      return Uint8Array.from(m.crlf ? text.replace(/\n/g, '\r\n') : text, (c) => c.charCodeAt(0) & 0xff);
    }
  }
}

const mutatedMessage = fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 }))
  .map(([seed, ms]) => ms.reduce(mutate, seed));
const anyMessage = fc.oneof(
  { weight: 6, arbitrary: mutatedMessage },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2_000 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 2_000 }).map(bytes) },
);

/** Messages built to exhaust a naive parser: deep nesting, many parts, huge headers and lines. */
function stress(): Array<[string, Uint8Array]> {
  const nested = (depth: number) => {
    let body = 'Content-Type: text/plain\r\n\r\nhi\r\n';
    for (let i = depth; i > 0; i--) body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}--b${i}--\r\n`;
    return `From: a@example.com\r\nSubject: deep\r\n${body}`;
  };
  const parts = (n: number) => `From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n${'--x\r\nContent-Type: text/plain\r\n\r\np\r\n'.repeat(n)}--x--\r\n`;
  const dsn = (n: number) => `From: MAILER-DAEMON@example.com\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n--r\r\n\r\nfailed\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n${'\r\nFinal-Recipient: rfc822; a@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n'.repeat(n)}--r--\r\n`;
  return [
    ['multiparts nested 200 deep', bytes(nested(200))],
    ['2,000 parts', bytes(parts(2_000))],
    ['a 900 KiB header', bytes(`From: a@example.com\r\nX-Big: ${'a'.repeat(900 * 1024)}\r\n\r\nbody`)],
    ['200,000 folded header lines', bytes(`From: a@example.com\r\nSubject: x${'\r\n y'.repeat(200_000)}\r\n\r\nbody`)],
    ['a 2 MiB line without a break', bytes(`From: a@example.com\r\n\r\n${'x'.repeat(2 * 1024 * 1024)}`)],
    ['a DSN with 5,000 recipients', bytes(dsn(5_000))],
    ['100,000 empty lines', bytes(`From: a@example.com\r\n\r\n${'\r\n'.repeat(100_000)}`)],
    ['an encoded word 100,000 times', bytes(`From: a@example.com\r\nSubject: ${'=?utf-8?B?w6k=?='.repeat(100_000)}\r\n\r\nx`)],
  ];
}

async function timed<T>(run: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

/** Output no larger than a small multiple of the input: decoding may grow text, never explode it. */
function expectBounded(output: unknown, inputLength: number): void {
  const size = JSON.stringify(output ?? null).length;
  expect(size).toBeLessThanOrEqual(6 * inputLength + 64 * 1024);
}

async function checkReport(raw: Uint8Array): Promise<void> {
  const { value, ms } = await timed(() => parseReport(raw));
  expect(ms).toBeLessThan(MAX_MS);
  if (value !== null) expect(['bounce', 'complaint']).toContain(value.kind);
  expectBounded(value, raw.length);
}

async function checkMail(raw: Uint8Array): Promise<void> {
  const { value, ms } = await timed(() => parseMail(raw));
  expect(ms).toBeLessThan(MAX_MS);
  expectBounded({ ...value, attachments: value.attachments.map((a) => a.content.length) }, raw.length);
  expect(value.attachments.reduce((n, a) => n + a.content.length, 0)).toBeLessThanOrEqual(raw.length);
}

describe('bounce and complaint reports (parseReport never throws)', () => {
  it('the seeds parse', async () => {
    expect(seeds.length).toBeGreaterThan(20);
    for (const seed of seeds) await checkReport(seed);
  });

  it('mutated seeds, random bytes', async () => {
    await fc.assert(fc.asyncProperty(anyMessage, checkReport), params(300));
  });

  it.each(stress())('%s', async (_name, raw) => {
    await checkReport(raw);
  });
});

describe('MIME (parseMail never throws on malformed mail)', () => {
  it('mutated seeds, random bytes', async () => {
    await fc.assert(fc.asyncProperty(anyMessage, checkMail), params(300));
  });

  it.each(stress())('%s', async (_name, raw) => {
    await checkMail(raw);
  });

  it('a message over a parse limit keeps its headers, with no body (found by this fuzzer: it threw)', async () => {
    const [, raw] = stress()[0]!;
    const parsed = await parseMail(raw);
    expect({ from: parsed.from, subject: parsed.subject, text: parsed.text, attachments: parsed.attachments }).toEqual({ from: 'a@example.com', subject: 'deep', text: null, attachments: [] });
  });

  it('message-id lists and bare addresses of any header value', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (s) => {
      const ids = messageIdList(s);
      // Bare ids gain their angle brackets, nothing more.
      expect(ids.join('').length).toBeLessThanOrEqual(s.length + 2 * ids.length);
      expect(bareAddress(s).length).toBeLessThanOrEqual(s.length);
    }), params(500));
  });
});

/** Strings shaped like addresses, and not. */
const addressish = fc.oneof(
  fc.emailAddress(),
  fc.tuple(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('@', '@@', '<', '>', '"', '\\', '%', ':', ',', ' '), fc.string({ unit: 'binary', maxLength: 30 })).map((p) => p.join('')),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.constantFrom(`${'a'.repeat(64)}@${'b'.repeat(250)}.com`, `"${'\\"'.repeat(5_000)}" <a@b.com>`, `${'<'.repeat(5_000)}a@b.com${'>'.repeat(5_000)}`,
    `a@${'-'.repeat(10_000)}`, `a@${'xn--'.repeat(2_000)}.com`, `a@${'a.'.repeat(5_000)}com`, 'a@b.com\u0000', '"\\'),
);

describe('addresses (no throw, linear time)', () => {
  it('parseMailbox, isValidAddress and the splitters', () => {
    fc.assert(fc.property(addressish, (s) => {
      const started = performance.now();
      const m = parseMailbox(s);
      if (m) expect(isValidAddress(m.address)).toBe(true);
      isValidAddress(s);
      expect(normalizeAddress(s).length).toBeLessThanOrEqual(s.length);
      expect(domainOf(s).length + localPartOf(s).length).toBeLessThanOrEqual(s.length);
      expect(performance.now() - started).toBeLessThan(200);
    }), params(1_000));
  });
});

/** Reply-shaped text: quotes, attributions, signatures and footers in any order. */
const replyLine = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.constantFrom('> quoted', '>', '-- ', '--', 'On Mon, Jan 1, 2024 at 10:00 AM Someone <a@example.com> wrote:', 'Someone <a@example.com> wrote:',
    '-----Original Message-----', 'From: a@example.com', 'Sent: today', 'To: b@example.com', 'Subject: x', '__________', 'Sent from my iPhone',
    'Le lun. 1 janv. 2024 à 10:00, A <a@example.com> a écrit :', '2024年1月1日 10:00 A <a@example.com>:', ''),
);
const replyText = fc.array(replyLine, { maxLength: 40 }).map((lines) => lines.join('\n'));
const html = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 500 }),
  fc.array(fc.constantFrom('<div>', '</div>', '<blockquote type="cite">', '</blockquote>', '<div class="gmail_quote">', '<br>', '<p>hi</p>', '<!--', '-->',
    '<script>', '</script>', '<style>', '&amp;', '&#x1F600;', '&#99999999;', '<', '>', 'text'), { maxLength: 60 }).map((p) => p.join('')),
);

describe('reply extraction (no throw, output within the input)', () => {
  it('text and HTML replies', () => {
    fc.assert(fc.property(fc.option(replyText, { freq: 4 }), fc.option(html), (text, markup) => {
      const started = performance.now();
      const reply = extractReply(text, markup);
      if (text === null && markup === null) expect(reply).toBeNull();
      if (reply !== null) expect(reply.length).toBeLessThanOrEqual((text ?? markup ?? '').length);
      expect(performance.now() - started).toBeLessThan(200);
    }), params(1_000));
  });

  it.each([
    ['one 200 KiB line that looks like an attribution', `${'a'.repeat(100)}<${'b'.repeat(100_000)}@${'c'.repeat(100_000)} wrote`],
    ['100,000 quoted lines', '> x\n'.repeat(100_000)],
    ['a 200 KiB line of spaces', ' '.repeat(200_000)],
  ])('%s', (_name, text) => {
    const started = performance.now();
    extractReply(text);
    extractReply(null, `<div>${text}</div>`);
    expect(performance.now() - started).toBeLessThan(MAX_MS);
  });
});
