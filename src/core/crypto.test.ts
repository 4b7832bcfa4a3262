import { describe, expect, it } from 'vitest';
import { sha256Hex, timingSafeEqual } from './crypto.ts';

describe('timingSafeEqual', () => {
  it('is true only for equal strings', async () => {
    const h = await sha256Hex('bwop_token');
    expect(timingSafeEqual(h, h.slice())).toBe(true);
    expect(timingSafeEqual('', '')).toBe(true);
    expect(timingSafeEqual(h, h.slice(0, -1) + (h.endsWith('0') ? '1' : '0'))).toBe(false);
    expect(timingSafeEqual(h, (h.startsWith('0') ? '1' : '0') + h.slice(1))).toBe(false);
  });

  it('tells a prefix, an extension and a NUL-padded string from the original', () => {
    expect(timingSafeEqual('abc', 'ab')).toBe(false);
    expect(timingSafeEqual('ab', 'abc')).toBe(false);
    expect(timingSafeEqual('ab', 'ab\0')).toBe(false);
    expect(timingSafeEqual('', 'a')).toBe(false);
  });

  it('compares whole UTF-16 units, not just their low byte', () => {
    expect(timingSafeEqual('\u0161', '\u0061')).toBe(false);
    expect(timingSafeEqual('v1,\u00e9', 'v1,\u00e9')).toBe(true);
  });
});
