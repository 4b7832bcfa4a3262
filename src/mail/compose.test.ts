import { describe, it, expect } from 'vitest';
import PostalMime from 'postal-mime';
import { composeMessage, encodeQuotedPrintable, formatDate, newMessageId, type ComposeInput } from './compose.ts';

const DATE = new Date(Date.UTC(2026, 11, 4, 19, 56, 37));

function base(overrides: Partial<ComposeInput> = {}): ComposeInput {
  return {
    from: { name: 'Agent', address: 'agent@agents.localhost' },
    to: ['bob@example.com'],
    subject: 'Hello',
    text: 'Hi Bob',
    messageId: '<m1@agents.localhost>',
    date: DATE,
    ...overrides,
  };
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** Every line ends in CRLF and is at most 998 octets (RFC 5322 §2.1.1). */
function expectWellFormedLines(bytes: Uint8Array): void {
  const s = decode(bytes);
  expect(s.endsWith('\r\n')).toBe(true);
  expect(s.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  for (const line of s.split('\r\n')) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(998);
}

function headerBlock(bytes: Uint8Array): string {
  return decode(bytes).split('\r\n\r\n')[0]!;
}

const bytesOf = (c: ArrayBuffer | Uint8Array | string) => (typeof c === 'string' ? new TextEncoder().encode(c) : new Uint8Array(c));

describe('composeMessage', () => {
  it('round-trips a full message through postal-mime', async () => {
    const pdf = new Uint8Array(5000).map((_, i) => (i * 7919) % 256);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 13, 10, 255]);
    const bytes = composeMessage(base({
      from: { name: 'Zoë Agent 🤖', address: 'zoe@agents.localhost' },
      to: ['"Doe, John" <john@example.com>', 'plain@example.com', 'Ünïcode Persön <u@example.com>'],
      cc: ['Carol <carol@example.org>'],
      replyTo: 'Replies <replies@agents.localhost>',
      subject: 'Réunion 📅 demain — ça marche ? '.repeat(4).trim(),
      text: 'Bonjour,\n\nÀ demain ! 👋\n',
      html: '<p>Bonjour, <b>à demain</b> 👋</p>',
      inReplyTo: '<parent@example.com>',
      references: ['<root@example.com>', '<parent@example.com>'],
      headers: { 'X-Agent-Run': 'run-42', 'X-Note': 'über' },
      attachments: [
        { filename: 'résumé ✓.pdf', contentType: 'application/pdf', content: pdf },
        { filename: 'logo.png', contentType: 'image/png', content: png, contentId: 'logo@agents.localhost' },
        { filename: 'icon.gif', contentType: 'image/gif', content: png, contentId: '<icon>' },
      ],
    }));
    expectWellFormedLines(bytes);
    const email = await PostalMime.parse(bytes);
    expect(email.from).toEqual({ name: 'Zoë Agent 🤖', address: 'zoe@agents.localhost' });
    expect(email.to).toEqual([
      { name: 'Doe, John', address: 'john@example.com' },
      { name: '', address: 'plain@example.com' },
      { name: 'Ünïcode Persön', address: 'u@example.com' },
    ]);
    expect(email.cc).toEqual([{ name: 'Carol', address: 'carol@example.org' }]);
    expect(email.replyTo).toEqual([{ name: 'Replies', address: 'replies@agents.localhost' }]);
    expect(email.subject).toBe('Réunion 📅 demain — ça marche ? '.repeat(4).trim());
    expect(email.text).toBe('Bonjour,\n\nÀ demain ! 👋\n');
    expect(email.html).toBe('<p>Bonjour, <b>à demain</b> 👋</p>');
    expect(email.messageId).toBe('<m1@agents.localhost>');
    expect(email.inReplyTo).toBe('<parent@example.com>');
    expect(email.references).toBe('<root@example.com> <parent@example.com>');
    expect(email.date).toBe(DATE.toISOString());
    expect(email.headers.find((h) => h.key === 'x-agent-run')?.value).toBe('run-42');
    // postal-mime leaves custom headers undecoded.
    expect(email.headers.find((h) => h.key === 'x-note')?.value).toBe('=?UTF-8?B?w7xiZXI=?=');
    expect(email.attachments).toHaveLength(3);
    const [a, b, c] = email.attachments;
    expect(a).toMatchObject({ filename: 'résumé ✓.pdf', mimeType: 'application/pdf', disposition: 'attachment' });
    expect(bytesOf(a!.content)).toEqual(pdf);
    expect(b).toMatchObject({ filename: 'logo.png', mimeType: 'image/png', disposition: 'inline', contentId: '<logo@agents.localhost>' });
    expect(bytesOf(b!.content)).toEqual(png);
    expect(c).toMatchObject({ filename: 'icon.gif', contentId: '<icon>' });
  });

  it('writes headers in order, with an RFC 5322 date and MIME-Version', () => {
    const names = headerBlock(composeMessage(base({ cc: ['c@x.com'], replyTo: 'r@x.com', inReplyTo: '<p@x.com>', references: ['<p@x.com>'], headers: { 'X-A': '1' } })))
      .split('\r\n').filter((l) => !/^[ \t]/.test(l)).map((l) => l.slice(0, l.indexOf(':')));
    expect(names).toEqual(['Date', 'From', 'To', 'Cc', 'Reply-To', 'Subject', 'Message-ID', 'In-Reply-To', 'References', 'MIME-Version', 'X-A', 'Content-Type', 'Content-Transfer-Encoding']);
    expect(headerBlock(composeMessage(base()))).toContain('Date: Fri, 04 Dec 2026 19:56:37 +0000\r\n');
  });

  it('picks the body structure from the content', async () => {
    const ct = (input: Partial<ComposeInput>) => /^Content-Type: ([^;\r]+)/m.exec(headerBlock(composeMessage(base(input))))?.[1];
    const att = [{ filename: 'a.bin', contentType: 'application/octet-stream', content: new Uint8Array([1]) }];
    expect(ct({})).toBe('text/plain');
    expect(ct({ text: null, html: '<p>x</p>' })).toBe('text/html');
    expect(ct({ html: '<p>x</p>' })).toBe('multipart/alternative');
    expect(ct({ attachments: att })).toBe('multipart/mixed');
    expect(ct({ html: '<p>x</p>', attachments: att })).toBe('multipart/mixed');
    const empty = composeMessage(base({ text: null, html: null }));
    expect(ct({ text: null, html: null })).toBe('text/plain');
    expectWellFormedLines(empty);
    expect((await PostalMime.parse(empty)).text ?? '').toBe('');
  });

  it.each([
    ['Hi Bob', null],
    ['Hi Bob\n', null],
    ['x'.repeat(76), null],
    ['trailing space ', null],
    [null, '<p>only html</p>'],
  ])('keeps a lone part exact, without an extra newline (%j, %j)', async (text, html) => {
    const bytes = composeMessage(base({ text, html }));
    expectWellFormedLines(bytes);
    const email = await PostalMime.parse(bytes);
    if (text !== null) expect(email.text).toBe(text);
    if (html !== null) expect(email.html).toBe(html);
  });

  it('keeps content that imitates a boundary', async () => {
    const text = '--=_bw_00000000000000000000000000000000\n--=_bw_x--\n';
    const bytes = composeMessage(base({ text, html: text, attachments: [{ filename: 'a', contentType: 'text/csv', content: new TextEncoder().encode(text) }] }));
    const email = await PostalMime.parse(bytes);
    expect(email.text).toBe(text);
    expect(email.attachments).toHaveLength(1);
  });

  it('writes internationalised addresses as UTF-8 (RFC 6532)', async () => {
    const bytes = composeMessage(base({ from: { address: 'jörg@bücher.de' }, to: ['Ли <用户@例子.广告>'] }));
    const email = await PostalMime.parse(bytes);
    expect(email.from).toEqual({ name: '', address: 'jörg@bücher.de' });
    expect(email.to).toEqual([{ name: 'Ли', address: '用户@例子.广告' }]);
  });

  it('round-trips a 5,000 character single-line text with soft breaks', async () => {
    const text = 'abc déf 🙂 '.repeat(500).slice(0, 5000);
    const bytes = composeMessage(base({ text }));
    expectWellFormedLines(bytes);
    const body = decode(bytes).split('\r\n\r\n')[1]!;
    for (const line of body.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    expect((await PostalMime.parse(bytes)).text).toBe(text);
  });

  it('keeps body lines starting with "." or "From "', async () => {
    const text = '.\n..leading dots\nFrom the agent\n>From quoted\n' + 'x'.repeat(75) + '.after soft break';
    const bytes = composeMessage(base({ text, html: '.<p>x</p>\nFrom y' }));
    const s = decode(bytes);
    expect(s).not.toMatch(/\r\n\./);
    expect(s).not.toMatch(/\r\nFrom /);
    const email = await PostalMime.parse(bytes);
    expect(email.text).toBe(text);
    expect(email.html).toBe('.<p>x</p>\nFrom y');
  });

  it('never writes Bcc', () => {
    const input = { ...base(), bcc: ['secret@example.com'] } as ComposeInput;
    expect(decode(composeMessage(input))).not.toMatch(/bcc|secret/i);
  });

  it('folds long headers under 998 octets and round-trips them', async () => {
    const to = Array.from({ length: 60 }, (_, i) => `"Recipient Number ${i}" <recipient${i}@example.com>`);
    const subject = 'x'.repeat(2000); // one word: too long to fold, so it becomes encoded-words
    const references = Array.from({ length: 40 }, (_, i) => `<ref${i}.${'r'.repeat(30)}@example.com>`);
    const bytes = composeMessage(base({ to, subject, references }));
    expectWellFormedLines(bytes);
    for (const line of headerBlock(bytes).split('\r\n')) expect(line.length).toBeLessThanOrEqual(90);
    const email = await PostalMime.parse(bytes);
    expect(email.to).toHaveLength(60);
    expect(email.to?.[59]).toEqual({ name: 'Recipient Number 59', address: 'recipient59@example.com' });
    expect(email.subject).toBe(subject);
    expect(email.references).toBe(references.join(' '));
  });

  it('quotes display names with specials and encodes look-alike encoded-words', async () => {
    const bytes = composeMessage(base({
      from: { name: 'Agent "007" (Smith)', address: 'a@agents.localhost' },
      subject: 'literal =?UTF-8?B?aGk=?= text',
    }));
    expect(headerBlock(bytes)).toContain('From: "Agent \\"007\\" (Smith)" <a@agents.localhost>');
    const email = await PostalMime.parse(bytes);
    expect(email.from).toEqual({ name: 'Agent "007" (Smith)', address: 'a@agents.localhost' });
    expect(email.subject).toBe('literal =?UTF-8?B?aGk=?= text');
  });

  it('encodes long and non-ASCII filenames with RFC 2231', async () => {
    const filename = 'Ünïcode rapport — très long nom de fichier qui dépasse la limite 📎.txt';
    const content = new TextEncoder().encode('data');
    const bytes = composeMessage(base({ attachments: [
      { filename, contentType: 'application/octet-stream', content },
      { filename: 'say "hi".bin', contentType: 'application/octet-stream', content },
    ] }));
    expectWellFormedLines(bytes);
    expect(decode(bytes)).toContain("filename*0*=UTF-8''");
    const email = await PostalMime.parse(bytes);
    expect(email.attachments.map((a) => a.filename)).toEqual([filename, 'say "hi".bin']);
  });

  it('writes base64 in 76-character lines', () => {
    const content = new Uint8Array(100_000).map((_, i) => i % 251);
    const s = decode(composeMessage(base({ attachments: [{ filename: 'a.bin', contentType: 'application/octet-stream', content }] })));
    const b64 = s.split('Content-Transfer-Encoding: base64\r\n\r\n')[1]!.split('\r\n--')[0]!;
    const lines = b64.split('\r\n');
    expect(lines.slice(0, -1).every((l) => l.length === 76)).toBe(true);
    expect(lines.join('')).toBe(btoa(String.fromCharCode(...content)));
  });

  it('is deterministic apart from boundaries', () => {
    const input = base({ html: '<p>x</p>', attachments: [{ filename: 'a', contentType: 'text/csv', content: new Uint8Array([65]) }] });
    const strip = (b: Uint8Array) => decode(b).replace(/=_bw_[0-9a-f]+/g, 'B');
    expect(strip(composeMessage(input))).toBe(strip(composeMessage(input)));
  });

  it.each<[string, Partial<ComposeInput>]>([
    ['a CRLF in the subject', { subject: 'Hi\r\nBcc: victim@example.com' }],
    ['a LF in a display name', { from: { name: 'A\nBcc: v@x.com', address: 'a@x.com' } }],
    ['an invalid recipient', { to: ['not an address'] }],
    ['an injected recipient', { to: ['a@x.com\r\nBcc: v@x.com'] }],
    ['a mailbox as the from address', { from: { address: 'Name <a@x.com>' } }],
    ['a message id without brackets', { messageId: 'm1@x.com' }],
    ['a reference with a space', { references: ['<a b@x.com>'] }],
    ['a custom header overriding Bcc', { headers: { Bcc: 'v@x.com' } }],
    ['a custom header name with a colon', { headers: { 'X-A:b': '1' } }],
    ['a CRLF in a custom header', { headers: { 'X-A': '1\r\nBcc: v@x.com' } }],
    ['an injected content type', { attachments: [{ filename: 'a', contentType: 'text/plain\r\nX: y', content: new Uint8Array() }] }],
    ['an invalid date', { date: new Date(NaN) }],
    ['an overlong message id', { inReplyTo: `<${'x'.repeat(1000)}@x.com>` }],
    ['an overlong custom header name', { headers: { [`X-${'a'.repeat(100)}`]: '1' } }],
    ['an injected content id', { attachments: [{ filename: 'a', contentType: 'image/png', content: new Uint8Array(), contentId: 'a>\r\nX: y' }] }],
    ['an angle-bracketed from address', { from: { address: '<a@x.com>' } }],
  ])('throws on %s', (_, input) => {
    expect(() => composeMessage(base(input))).toThrow();
  });
});

describe('encodeQuotedPrintable', () => {
  it('encodes per RFC 2045 §6.7', () => {
    expect(encodeQuotedPrintable('a=b')).toBe('a=3Db');
    expect(encodeQuotedPrintable('é')).toBe('=C3=A9');
    expect(encodeQuotedPrintable('trailing \nspace\t')).toBe('trailing=20\r\nspace=09');
    expect(encodeQuotedPrintable('a\r\nb\rc')).toBe('a\r\nb\r\nc');
    expect(encodeQuotedPrintable('x'.repeat(76))).toBe('x'.repeat(76));
    expect(encodeQuotedPrintable('x'.repeat(77))).toBe(`${'x'.repeat(75)}=\r\nxx`);
    expect(encodeQuotedPrintable(`${'x'.repeat(74)}é`)).toBe(`${'x'.repeat(74)}=\r\n=C3=A9`);
    expect(encodeQuotedPrintable('.a\nFrom b\nFrom')).toBe('=2Ea\r\n=46rom b\r\nFrom');
  });

  it('can end with a soft line break', () => {
    expect(encodeQuotedPrintable('ab', true)).toBe('ab=');
    expect(encodeQuotedPrintable('ab\n', true)).toBe('ab\r\n');
    expect(encodeQuotedPrintable('', true)).toBe('');
    expect(encodeQuotedPrintable('x'.repeat(76), true)).toBe(`${'x'.repeat(75)}=\r\nx=`);
  });
});

describe('formatDate and newMessageId', () => {
  it('formats dates in UTC', () => {
    expect(formatDate(DATE)).toBe('Fri, 04 Dec 2026 19:56:37 +0000');
    expect(formatDate(new Date(Date.UTC(2027, 0, 1, 0, 0, 5)))).toBe('Fri, 01 Jan 2027 00:00:05 +0000');
  });

  it('makes unique ids with 160 random bits', () => {
    const a = newMessageId('agents.localhost');
    expect(a).toMatch(/^<[0-9a-f]{40}@agents\.localhost>$/);
    expect(newMessageId('agents.localhost')).not.toBe(a);
    expect(() => newMessageId('x.com>\r\nBcc: v@x.com')).toThrow();
  });
});
