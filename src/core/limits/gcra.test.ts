import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NEVER_MS, assertLimitRule, gcra, gcraPeek } from './gcra.ts';
import type { LimitRule } from './limiter.ts';

const third: LimitRule = { name: 'third', limit: 3, windowMs: 1000, burst: 3 };

describe('gcra', () => {
  it('treats an unknown bucket as full', () => {
    expect(gcra(undefined, 5_000, third, 3)).toMatchObject({ decision: { ok: true, remaining: 0, resetMs: 1001 } }); // 3 × 333.334 ms, rounded up
    expect(gcraPeek(undefined, 5_000, third)).toMatchObject({ ok: true, remaining: 3, resetMs: 0 });
  });

  it('returns the stored state unchanged on a denial, so adapters may skip the write', () => {
    const { newTat } = gcra(undefined, 0, third, 3);
    expect(gcra(newTat, 10, third, 1)).toMatchObject({ decision: { ok: false }, newTat });
    expect(gcra(newTat, 10, third, 4)).toMatchObject({ decision: { ok: false, retryAfterMs: NEVER_MS }, newTat });
  });

  it('keeps the TAT exact over a long life at a fractional interval', () => {
    // 3 per second for ~11 days of saturation at epoch scale: one float error would break the grid.
    const start = 1_700_000_000_000;
    let tat: number | undefined;
    let now = start;
    let granted = 0;
    let offGrid = 0;
    while (granted < 100_000) {
      const r = gcra(tat, now, third, 1);
      if (r.decision.ok) granted++;
      else now += r.decision.retryAfterMs;
      tat = r.newTat;
      if ((tat * 1024) % 1 !== 0) offGrid++;
    }
    expect(offGrid).toBe(0);
    // Never faster than 3/s, and under 1 µs per token slower: 100,000 tokens cost at most 0.1 s extra.
    const exactMs = (100_000 - third.burst) * (1000 / 3);
    expect(now - start).toBeGreaterThanOrEqual(Math.floor(exactMs));
    expect(now - start).toBeLessThanOrEqual(exactMs + 100);
  });

  it('never answers a denial with a zero wait', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 100 }), fc.nat(200), (limit, windowMs, burst, cost) => {
        const rule = { name: 'p', limit, windowMs, burst };
        const empty = gcra(undefined, 0, rule, burst).newTat;
        const d = gcra(empty, 0, rule, cost).decision;
        if (!d.ok) expect(d.retryAfterMs).toBeGreaterThanOrEqual(1);
      }),
    );
  });

  it('rejects rules it cannot keep exact', () => {
    expect(() => assertLimitRule({ name: 'x', limit: 1, windowMs: 2 ** 40, burst: 2 })).toThrow(RangeError);
    expect(() => assertLimitRule({ name: 'x', limit: 1, windowMs: -1, burst: 1 })).toThrow(RangeError);
    expect(() => assertLimitRule({ name: 'x', limit: 20, windowMs: 1000, burst: 40 })).not.toThrow();
  });
});
