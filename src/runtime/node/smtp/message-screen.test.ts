import { describe, expect, it } from 'vitest';
import { HEADER_LIMITS, HeaderScreen, hasSmugglingDot } from './message-screen.ts';

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

function screen(message: string, chunk = message.length): HeaderScreen['refusal'] {
  const h = new HeaderScreen();
  for (let i = 0; i < message.length; i += chunk) h.push(bytes(message.slice(i, i + chunk)));
  return h.refusal;
}

describe('HeaderScreen', () => {
  it('passes an ordinary header section, a long folded field and a big body', () => {
    const folded = `References: ${Array.from({ length: 200 }, (_, i) => `<m${i}@example.net>`).join('\r\n ')}`;
    expect(screen(`From: a@example.net\r\n${folded}\r\nSubject: hi\r\n\r\n${'x'.repeat(5000)}\r\n`, 7)).toBeNull();
  });

  it('refuses a physical line over 998 octets, but not one of exactly 998', () => {
    expect(screen(`X-Long: ${'a'.repeat(998 - 8)}\r\n\r\nbody`)).toBeNull();
    expect(screen(`X-Long: ${'a'.repeat(998 - 7)}\r\n\r\nbody`, 100)).toBe('header_line_too_long');
  });

  it('refuses more than 1000 fields, and a header section over 64 KiB', () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `X-F${i}: v`).join('\r\n');
    expect(screen(`${fields(HEADER_LIMITS.maxFields)}\r\n\r\nbody`)).toBeNull();
    expect(screen(`${fields(HEADER_LIMITS.maxFields + 1)}\r\n\r\nbody`)).toBe('headers_too_large');
    const big = `X-Big: a\r\n${Array.from({ length: 140 }, () => ` ${'b'.repeat(500)}`).join('\r\n')}\r\n\r\n`;
    expect(screen(big, 4096)).toBe('headers_too_large');
  });

  it('ends the header section at a bare-LF blank line too', () => {
    expect(screen(`Subject: hi\n\n${'x'.repeat(2000)}\n`)).toBeNull();
  });
});

describe('hasSmugglingDot', () => {
  it.each([
    ['\\n.\\n', 'a\r\nb\n.\nMAIL FROM:<x@y>\r\n'],
    ['\\r.\\r', 'a\r\nb\r.\rMAIL FROM:<x@y>\r\n'],
    ['\\n.\\r\\n', 'a\r\nb\n.\r\nMAIL FROM:<x@y>\r\n'],
    ['\\r\\n.\\n', 'a\r\nb\r\n.\nMAIL FROM:<x@y>\r\n'],
    ['\\r\\n.\\r', 'a\r\nb\r\n.\rMAIL FROM:<x@y>\r\n'],
    ['.\\n at the start', '.\nMAIL FROM:<x@y>\r\n'],
  ])('finds %s', (_name, raw) => {
    expect(hasSmugglingDot(bytes(raw))).toBe(true);
  });

  it('passes a dot-stuffed lone dot between CRLFs, dots inside lines and bare LFs without a lone dot', () => {
    expect(hasSmugglingDot(bytes('Subject: x\r\n\r\nline\r\n.\r\nmore\r\n'))).toBe(false);
    expect(hasSmugglingDot(bytes('Subject: x\n\nend.\n.net\n..\nx.y\n'))).toBe(false);
  });
});
