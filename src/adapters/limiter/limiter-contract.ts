/**
 * The Limiter contract: every adapter (memory, Redis, Durable Object) runs this suite, so they
 * all answer alike. Time comes from the injected clock; nothing sleeps. Each test uses fresh
 * keys, so a shared backend needs no cleanup between tests or runs.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { NEVER_MS } from '../../core/limits/gcra.ts';
import type { LimitRule, Limiter } from '../../core/limits/limiter.ts';

/** Registers the contract tests for one adapter; `make` builds a limiter that reads time from `now`. */
export function limiterContract(name: string, make: (now: () => number) => Limiter | Promise<Limiter>): void {
  describe(`Limiter contract: ${name}`, () => {
    // A realistic epoch, so precision problems of large timestamps show up here.
    let t = 1_700_000_000_000;
    let limiter: Limiter;
    const run = crypto.randomUUID().slice(0, 8);
    let seq = 0;
    const fresh = () => `contract:${run}:${++seq}`;
    const perKey: LimitRule = { name: 'key', limit: 20, windowMs: 1000, burst: 40 }; // 50 ms per token
    const tenPerSecond: LimitRule = { name: 'ten', limit: 10, windowMs: 1000, burst: 5 }; // 100 ms per token

    beforeAll(async () => {
      limiter = await make(() => t);
    });

    async function takeMany(key: string, rule: LimitRule, n: number) {
      const out = [];
      for (let i = 0; i < n; i++) out.push(await limiter.take(key, rule));
      return out;
    }

    it('grants the burst, then denies', async () => {
      const key = fresh();
      const granted = await takeMany(key, perKey, 40);
      expect(granted.map((d) => d.ok)).toEqual(Array(40).fill(true));
      expect(granted.map((d) => d.remaining)).toEqual(Array.from({ length: 40 }, (_, i) => 39 - i));
      const denied = await limiter.take(key, perKey);
      expect(denied).toMatchObject({ ok: false, remaining: 0, limit: 20, burst: 40, retryAfterMs: 50, resetMs: 2000 });
      expect(denied.rule).toEqual(perKey);
    });

    it('refills exactly one token per windowMs / limit', async () => {
      const key = fresh();
      await takeMany(key, perKey, 40);
      t += 49;
      expect(await limiter.take(key, perKey)).toMatchObject({ ok: false, retryAfterMs: 1 });
      t += 1;
      expect(await limiter.take(key, perKey)).toMatchObject({ ok: true, remaining: 0 });
      expect(await limiter.take(key, perKey)).toMatchObject({ ok: false, retryAfterMs: 50 });
      t += 50 * 7;
      expect(await limiter.peek(key, perKey)).toMatchObject({ ok: true, remaining: 7 });
    });

    it('never refills past the burst', async () => {
      const key = fresh();
      await limiter.take(key, perKey);
      t += 3_600_000;
      expect(await limiter.take(key, perKey)).toMatchObject({ ok: true, remaining: 39, resetMs: 50 });
    });

    it('refills a fractional interval without ever running fast', async () => {
      const key = fresh();
      const third: LimitRule = { name: 'third', limit: 3, windowMs: 1000, burst: 1 }; // 333.3 ms per token
      expect((await limiter.take(key, third)).ok).toBe(true);
      t += 333;
      expect(await limiter.take(key, third)).toMatchObject({ ok: false, retryAfterMs: 1 });
      t += 1;
      expect((await limiter.take(key, third)).ok).toBe(true);
    });

    it('takes a cost of several tokens at once', async () => {
      const key = fresh();
      expect(await limiter.take(key, tenPerSecond, 3)).toMatchObject({ ok: true, remaining: 2, resetMs: 300 });
      expect(await limiter.take(key, tenPerSecond, 2)).toMatchObject({ ok: true, remaining: 0, resetMs: 500 });
      expect(await limiter.take(key, tenPerSecond, 3)).toMatchObject({ ok: false, remaining: 0, retryAfterMs: 300, resetMs: 500 });
    });

    it('removes nothing on a denied take', async () => {
      const key = fresh();
      await limiter.take(key, tenPerSecond, 3);
      for (let i = 0; i < 10; i++) {
        expect(await limiter.take(key, tenPerSecond, 3)).toMatchObject({ ok: false, remaining: 2, retryAfterMs: 100 });
      }
      expect(await limiter.peek(key, tenPerSecond)).toMatchObject({ ok: true, remaining: 2, resetMs: 300 });
      expect(await limiter.take(key, tenPerSecond, 2)).toMatchObject({ ok: true, remaining: 0 });
    });

    it('always denies a cost above the burst, with a finite retry, and takes nothing', async () => {
      const key = fresh();
      const denied = await limiter.take(key, tenPerSecond, 6);
      expect(denied).toMatchObject({ ok: false, remaining: 5, retryAfterMs: NEVER_MS, resetMs: 0 });
      expect(Number.isFinite(denied.retryAfterMs)).toBe(true);
      expect(await limiter.peek(key, tenPerSecond)).toMatchObject({ remaining: 5 });
    });

    it('reports exact resetMs and retryAfterMs as the bucket drains and refills', async () => {
      const key = fresh();
      const resets = (await takeMany(key, tenPerSecond, 5)).map((d) => d.resetMs);
      expect(resets).toEqual([100, 200, 300, 400, 500]);
      t += 30;
      expect(await limiter.take(key, tenPerSecond)).toMatchObject({ ok: false, remaining: 0, resetMs: 470, retryAfterMs: 70 });
      expect(await limiter.take(key, tenPerSecond, 5)).toMatchObject({ ok: false, retryAfterMs: 470 });
      expect(await limiter.peek(key, tenPerSecond)).toMatchObject({ ok: false, remaining: 0, resetMs: 470, retryAfterMs: 70 });
      t += 70;
      expect(await limiter.take(key, tenPerSecond)).toMatchObject({ ok: true, remaining: 0, resetMs: 500, retryAfterMs: 0 });
    });

    it('treats cost 0 and peek as reads', async () => {
      const key = fresh();
      expect(await limiter.peek(key, tenPerSecond)).toMatchObject({ ok: true, remaining: 5, resetMs: 0, retryAfterMs: 0 });
      expect(await limiter.take(key, tenPerSecond, 0)).toMatchObject({ ok: true, remaining: 5 });
      expect(await limiter.take(key, tenPerSecond)).toMatchObject({ remaining: 4 });
    });

    it('grants exactly the burst to concurrent takes', async () => {
      const key = fresh();
      const decisions = await Promise.all(Array.from({ length: 100 }, () => limiter.take(key, perKey)));
      expect(decisions.filter((d) => d.ok)).toHaveLength(40);
      const remaining = decisions.filter((d) => d.ok).map((d) => d.remaining);
      expect(new Set(remaining).size).toBe(40);
    });

    it('keeps keys, and the same key under two rules, independent', async () => {
      const [a, b] = [fresh(), fresh()];
      await limiter.take(a, tenPerSecond, 5);
      expect(await limiter.take(a, tenPerSecond)).toMatchObject({ ok: false });
      expect(await limiter.take(b, tenPerSecond)).toMatchObject({ ok: true, remaining: 4 });
      expect(await limiter.take(a, { ...tenPerSecond, name: 'other' })).toMatchObject({ ok: true, remaining: 4 });
    });

    it('never blocks a key longer than one bucket when the clock steps back', async () => {
      const key = fresh();
      await limiter.take(key, tenPerSecond, 5);
      const before = t;
      t -= 3_600_000;
      try {
        expect(await limiter.take(key, tenPerSecond)).toMatchObject({ ok: false, retryAfterMs: 100, resetMs: 500 });
      } finally {
        t = before + 3_600_000;
      }
    });

    it('rejects an invalid rule or cost as a fault', async () => {
      const key = fresh();
      await expect(limiter.take(key, { ...tenPerSecond, limit: 0 })).rejects.toThrow(RangeError);
      await expect(limiter.take(key, { ...tenPerSecond, burst: 1.5 })).rejects.toThrow(RangeError);
      await expect(limiter.take(key, tenPerSecond, -1)).rejects.toThrow(RangeError);
      await expect(limiter.take(key, tenPerSecond, 0.5)).rejects.toThrow(RangeError);
    });

    it('never grants more than burst + elapsed × limit / window, nor more than an exact bucket', async () => {
      const rule = fc.record({
        name: fc.constant('prop'),
        limit: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 5000 })),
        windowMs: fc.oneof(fc.constantFrom(1, 7, 333, 1000, 1001, 60_000), fc.integer({ min: 1, max: 100_000 })),
        burst: fc.integer({ min: 1, max: 3000 }),
      });
      const ops = fc.array(fc.record({ advance: fc.nat(3000), cost: fc.oneof(fc.nat(8), fc.nat(3100)) }), { maxLength: 60 });
      await fc.assert(
        fc.asyncProperty(rule, ops, async (r, steps) => {
          const key = fresh();
          const start = t;
          // Reference: a continuous token bucket in integer units of 1/windowMs token, fed the
          // same grants. It must never go negative; when the rule's interval lies on GCRA's
          // 1/1024 ms grid the two must agree exactly.
          const exact = (r.windowMs * 1024) % r.limit === 0;
          const capacity = r.burst * r.windowMs;
          let level = capacity;
          let granted = 0;
          for (const { advance, cost } of steps) {
            t += advance;
            level = Math.min(capacity, level + advance * r.limit);
            const d = await limiter.take(key, r, cost);
            const exactOk = cost <= r.burst && level >= cost * r.windowMs;
            if (d.ok) {
              expect(exactOk).toBe(true);
              level -= cost * r.windowMs;
              granted += cost;
            }
            expect(granted * r.windowMs).toBeLessThanOrEqual(capacity + (t - start) * r.limit);
            expect(d.remaining * r.windowMs).toBeLessThanOrEqual(level);
            if (!exact) continue;
            expect(d.ok).toBe(exactOk);
            expect(d.remaining).toBe(Math.floor(level / r.windowMs));
            expect(d.resetMs).toBe(Math.ceil((capacity - level) / r.limit));
            if (!d.ok && cost <= r.burst) expect(d.retryAfterMs).toBe(Math.ceil((cost * r.windowMs - level) / r.limit));
          }
        }),
        { numRuns: 300 },
      );
      // 300 runs of up to 60 takes: an RPC each on Redis and Durable Objects, on 2 shared cores.
    }, 120_000);
  });
}
