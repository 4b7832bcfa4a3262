import { describe, expect, it } from 'vitest';
import { NEVER_MS } from './gcra.ts';
import { rateLimitHeaders } from './headers.ts';
import type { LimitDecision, LimitRule } from './limiter.ts';

const rule: LimitRule = { name: 'key', limit: 20, windowMs: 1000, burst: 40 };
const decision = (over: Partial<LimitDecision>): LimitDecision => ({ ok: true, limit: 20, burst: 40, remaining: 39, resetMs: 50, retryAfterMs: 0, rule, ...over });

describe('rateLimitHeaders', () => {
  it('formats an allowed decision without Retry-After', () => {
    expect(rateLimitHeaders('key', decision({}))).toEqual({ 'RateLimit-Policy': '"key";q=20;w=1', RateLimit: '"key";r=39;t=1' });
  });

  it('formats a denial as DESIGN §4 shows it', () => {
    expect(rateLimitHeaders('key', decision({ ok: false, remaining: 0, resetMs: 1000, retryAfterMs: 50 }))).toEqual({
      'RateLimit-Policy': '"key";q=20;w=1',
      RateLimit: '"key";r=0;t=1',
      'Retry-After': '1',
    });
  });

  it('rounds seconds up and never says Retry-After: 0', () => {
    const h = rateLimitHeaders('inbox-send', decision({ ok: false, remaining: 0, resetMs: 2001, retryAfterMs: 1001, rule: { ...rule, windowMs: 60_000 } }));
    expect(h).toMatchObject({ 'RateLimit-Policy': '"inbox-send";q=20;w=60', RateLimit: '"inbox-send";r=0;t=3', 'Retry-After': '2' });
    expect(rateLimitHeaders('key', decision({ ok: false, retryAfterMs: 0 }))['Retry-After']).toBe('1');
    expect(rateLimitHeaders('key', decision({ ok: true, resetMs: 0 })).RateLimit).toBe('"key";r=39;t=0');
  });

  it('gives a finite Retry-After for a take that can never succeed', () => {
    expect(rateLimitHeaders('key', decision({ ok: false, retryAfterMs: NEVER_MS }))['Retry-After']).toBe('2147484');
  });

  it('quotes the policy name as a structured-field string', () => {
    expect(rateLimitHeaders('a "b" \\c', decision({}))['RateLimit-Policy']).toBe('"a \\"b\\" \\\\c";q=20;w=1');
    expect(() => rateLimitHeaders('naïve', decision({}))).toThrow(RangeError);
    expect(() => rateLimitHeaders('a\nb', decision({}))).toThrow(RangeError);
  });
});
