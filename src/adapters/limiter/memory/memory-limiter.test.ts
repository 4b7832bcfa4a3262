import { describe, expect, it } from 'vitest';
import type { LimitRule } from '../../../core/limits/limiter.ts';
import { limiterContract } from '../limiter-contract.ts';
import { MemoryLimiter } from './memory-limiter.ts';

limiterContract('memory', (now) => new MemoryLimiter({ now }));

describe('MemoryLimiter', () => {
  const rule: LimitRule = { name: 'key', limit: 1, windowMs: 60_000, burst: 1 };

  it('answers takeSync and take alike', async () => {
    const t = 1_000;
    const limiter = new MemoryLimiter({ now: () => t });
    expect(limiter.takeSync('a', rule).ok).toBe(true);
    expect((await limiter.take('a', rule)).ok).toBe(false);
    expect(limiter.peekSync('a', rule)).toMatchObject({ ok: false, retryAfterMs: 60_000 });
  });

  it('forgets the least recently used bucket at maxKeys, which leaves it full', () => {
    const limiter = new MemoryLimiter({ maxKeys: 2, now: () => 1_000 });
    limiter.takeSync('a', rule);
    limiter.takeSync('b', rule);
    expect(limiter.takeSync('a', rule).ok).toBe(false); // a is now the most recently used
    limiter.takeSync('c', rule); // evicts b
    expect(limiter.peekSync('b', rule).ok).toBe(true);
    expect(limiter.peekSync('a', rule).ok).toBe(false);
    expect(limiter.peekSync('c', rule).ok).toBe(false);
  });

  it('bounds each rule separately, so one rule flooding cannot evict another', () => {
    const limiter = new MemoryLimiter({ maxKeys: 2, now: () => 1_000 });
    limiter.takeSync('key_1', rule);
    const perAddress = { ...rule, name: 'unauthenticated' };
    for (let i = 0; i < 100; i++) limiter.takeSync(`203.0.113.${i}`, perAddress);
    expect(limiter.takeSync('key_1', rule).ok).toBe(false);
  });

  it('refuses an unbounded number of rule names', () => {
    const limiter = new MemoryLimiter({ maxKeys: 1 });
    for (let i = 0; i < 64; i++) limiter.takeSync('k', { ...rule, name: `r${i}` });
    expect(() => limiter.takeSync('k', { ...rule, name: 'r64' })).toThrow(RangeError);
  });

  it('rejects a bad maxKeys', () => {
    expect(() => new MemoryLimiter({ maxKeys: 0 })).toThrow(RangeError);
  });
});
