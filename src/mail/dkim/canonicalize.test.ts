import { describe, expect, it } from 'vitest';
import { normalizeCrlf, relaxedBody, relaxedHeader, selectFields, splitMessage } from './canonicalize.ts';

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array) => String.fromCharCode(...b);

describe('RFC 6376 §3.4.5 examples, relaxed', () => {
  const message = 'A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n';

  it('canonicalizes the example headers to "a:X" and "b:Y Z"', () => {
    const { headers } = splitMessage(bytes(message));
    expect(headers.map((h) => relaxedHeader(h.raw) + '\r\n').join('')).toBe('a:X\r\nb:Y Z\r\n');
  });

  it('canonicalizes the example body to " C" and "D E"', () => {
    const { body } = splitMessage(bytes(message));
    expect(text(relaxedBody(body))).toBe(' C\r\nD E\r\n');
  });
});

describe('relaxedBody', () => {
  it.each([
    ['an empty body stays empty (errata 1384)', '', ''],
    ['a body of empty lines is empty', '\r\n\r\n\r\n', ''],
    ['whitespace-only lines at the end go too', 'text\r\n  \r\n\t\r\n\r\n', 'text\r\n'],
    ['a last line without CRLF gets one', 'no break', 'no break\r\n'],
    ['empty lines inside the body stay', 'a\r\n\r\nb\r\n', 'a\r\n\r\nb\r\n'],
    ['leading whitespace shrinks to one SP, trailing goes', '\t\t x \t y\t \r\n', ' x y\r\n'],
  ])('%s', (_name, input, expected) => {
    expect(text(relaxedBody(bytes(input)))).toBe(expected);
  });

  it('keeps 8-bit octets as they are (0x85 and 0xA0 are not WSP)', () => {
    expect([...relaxedBody(new Uint8Array([0xc3, 0xa0, 0x20, 0x85, 0xe9, 0x0d, 0x0a]))]).toEqual([0xc3, 0xa0, 0x20, 0x85, 0xe9, 0x0d, 0x0a]);
  });
});

describe('relaxedHeader', () => {
  it('unfolds, lowercases only the name and squeezes WSP', () => {
    expect(relaxedHeader('SubJect :  Hello \t World  \r\n\t again  ')).toBe('subject:Hello World again');
  });

  it('keeps an empty value empty', () => {
    expect(relaxedHeader('X-Empty:   ')).toBe('x-empty:');
  });

  it('leaves non-ASCII octets of the value alone', () => {
    expect(relaxedHeader('Subject: Gr\xc3\xbc\xc3\x9fe \xc3\xa0')).toBe('subject:Gr\xc3\xbc\xc3\x9fe \xc3\xa0');
  });
});

describe('normalizeCrlf', () => {
  it('turns bare LF and bare CR into CRLF and keeps CRLF', () => {
    expect(text(normalizeCrlf(bytes('a\nb\r\nc\rd\n')))).toBe('a\r\nb\r\nc\r\nd\r\n');
  });

  it('returns a CRLF-only input untouched, without copying', () => {
    const input = bytes('a\r\nb\r\n');
    expect(normalizeCrlf(input)).toBe(input);
  });
});

describe('splitMessage and selectFields', () => {
  it('joins folded lines into one field and cuts the body at the first empty line', () => {
    const { headers, body } = splitMessage(bytes('A: 1\r\nB: 2\r\n  more\r\nA: 3\r\n\r\nbody\r\n\r\nmore'));
    expect(headers).toEqual([
      { name: 'a', raw: 'A: 1' },
      { name: 'b', raw: 'B: 2\r\n  more' },
      { name: 'a', raw: 'A: 3' },
    ]);
    expect(text(body)).toBe('body\r\n\r\nmore');
  });

  it('reads a message without an empty line as headers only', () => {
    const { headers, body } = splitMessage(bytes('From: a@b.example\r\n'));
    expect(headers).toHaveLength(1);
    expect(body).toHaveLength(0);
  });

  it('takes repeated names from the bottom up and nothing once they run out (§5.4.2)', () => {
    const { headers } = splitMessage(bytes('A: 1\r\nB: 2\r\nA: 3\r\n\r\n'));
    expect(selectFields(headers, ['a', 'a', 'a', 'b', 'c']).map((f) => f.raw)).toEqual(['A: 3', 'A: 1', 'B: 2']);
  });
});
