import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { BreakwaterError } from '../../../core/errors.ts';
import type { LimitRule } from '../../../core/limits/limiter.ts';
import { fingerprint } from '../../../core/loops/fingerprint.ts';
import { limiterContract } from '../limiter-contract.ts';
import { loopContract } from '../loop-contract.ts';
import { DurableObjectLimiter } from './durable-object-limiter.ts';
import { DurableObjectLoopDetector, DurableObjectLoopStrikes } from './durable-object-loop-detector.ts';
import { callShard, fingerprintOwner, type LimiterNamespace } from './shard.ts';

limiterContract('durable object', (now) => new DurableObjectLimiter({ namespace: env.LIMITER, now }));
loopContract('durable object', (now) => ({
  detector: new DurableObjectLoopDetector({ namespace: env.LIMITER, now }),
  strikes: new DurableObjectLoopStrikes({ namespace: env.LIMITER, now }),
}));

describe('DurableObjectLimiter', () => {
  let t = 1_700_000_000_000;
  const now = () => t;
  const limiter = new DurableObjectLimiter({ namespace: env.LIMITER, now });
  const fresh = () => `key_${crypto.randomUUID()}`;
  const perKey: LimitRule = { name: 'key', limit: 20, windowMs: 1000, burst: 40 };
  const daily: LimitRule = { name: 'plan-daily', limit: 100, windowMs: 86_400_000, burst: 100 };

  it('grants exactly the burst of each bucket to concurrent takes on one identity', async () => {
    const key = fresh();
    const send: LimitRule = { name: 'inbox-send', limit: 5, windowMs: 1000, burst: 10 };
    const calls = Array.from({ length: 300 }, (_, i) => limiter.take(key, i % 3 === 0 ? send : perKey));
    const decisions = await Promise.all(calls);
    const granted = (rule: LimitRule) => decisions.filter((d) => d.ok && d.rule === rule);
    expect(granted(perKey)).toHaveLength(40);
    expect(granted(send)).toHaveLength(10);
    expect(new Set(granted(perKey).map((d) => d.remaining)).size).toBe(40);
  });

  it('keeps a day-long bucket across a restart of its object, and forgets a 2 s one as full', async () => {
    const key = fresh();
    for (let i = 0; i < 100; i++) await limiter.take(key, daily);
    for (let i = 0; i < 40; i++) await limiter.take(key, perKey);
    expect(await limiter.take(key, daily)).toMatchObject({ ok: false, remaining: 0 });
    await abortAllDurableObjects();
    // Another isolate's limiter: this one would answer the daily denial from its own memory.
    const elsewhere = new DurableObjectLimiter({ namespace: env.LIMITER, now });
    expect(await elsewhere.take(key, daily)).toMatchObject({ ok: false, remaining: 0 });
    expect(await elsewhere.take(key, perKey)).toMatchObject({ ok: true, remaining: 39 });
  });

  it('answers a denied key from memory until a token could exist, then asks its object again', async () => {
    let calls = 0;
    const counting = {
      getByName: (name: string) => { calls++; return env.LIMITER.getByName(name); },
    } as unknown as LimiterNamespace;
    const cached = new DurableObjectLimiter({ namespace: counting, now });
    const key = fresh();
    for (let i = 0; i < 40; i++) expect((await cached.take(key, perKey)).ok).toBe(true);
    expect(await cached.take(key, perKey)).toMatchObject({ ok: false, remaining: 0, retryAfterMs: 50, resetMs: 2000 });
    const before = calls;
    t += 20;
    const storm = await Promise.all(Array.from({ length: 1000 }, () => cached.take(key, perKey)));
    expect(calls).toBe(before);
    expect(storm.every((d) => !d.ok && d.retryAfterMs === 30 && d.resetMs === 1980 && d.remaining === 0)).toBe(true);
    // A cost the denial does not cover, and the retry time reached: the object decides.
    expect((await cached.peek(key, perKey)).ok).toBe(false);
    t += 30;
    expect(await cached.take(key, perKey)).toMatchObject({ ok: true, remaining: 0 });
    expect(calls).toBe(before + 2);
    // Another isolate took the token meanwhile? The object, not the cache, is asked for every grant.
    expect((await limiter.take(key, perKey)).ok).toBe(false);
  });

  it('keeps the quarantine escalation across a restart', async () => {
    const strikes = new DurableObjectLoopStrikes({ namespace: env.LIMITER, now });
    const key = fresh();
    const run = async () => {
      const out = [];
      for (let i = 0; i < 5; i++) out.push((await strikes.strike(key)).quarantineMs);
      return out;
    };
    expect(await run()).toEqual([null, null, null, null, 60_000]);
    t += 60_000;
    await abortAllDurableObjects();
    expect(await run()).toEqual([null, null, null, null, 120_000]);
  });

  it('deletes stored state once it no longer matters, leaving the object no storage', async () => {
    const key = fresh();
    await limiter.take(key, daily, 30);
    const stub = env.LIMITER.getByName(key);
    const rows = await runInDurableObject(stub, (_, state) => state.storage.sql.exec('SELECT count(*) AS n FROM buckets').one().n);
    expect(rows).toBe(1);
    // Stand in for a day of wall-clock time: the row's clean-up time is due.
    await runInDurableObject(stub, (_, state) => void state.storage.sql.exec('UPDATE buckets SET gc_at = 0'));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const tables = await runInDurableObject(stub, (_, state) => state.storage.sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('buckets', 'strikes')").one().n);
    expect(tables).toBe(0);
    // The object still answers (this instance's memory holds the bucket until it is full).
    expect(await limiter.peek(key, daily)).toMatchObject({ remaining: 70 });
  });

  it('writes nothing to storage for short buckets, loop windows, strikes below a quarantine and reads', async () => {
    const key = fresh();
    await limiter.take(key, perKey);
    await limiter.peek(key, daily);
    await new DurableObjectLoopDetector({ namespace: env.LIMITER, now }).hit(fingerprint({ keyId: key, method: 'POST', path: '/v1/x', body: {} }));
    await new DurableObjectLoopStrikes({ namespace: env.LIMITER, now }).strike(key);
    const size = await runInDurableObject(env.LIMITER.getByName(key), (_, state) => state.storage.sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").one().n);
    expect(size).toBe(0);
  });

  it('routes a fingerprint to the object of the key it belongs to', () => {
    expect(fingerprintOwner(fingerprint({ keyId: 'key_01abc', method: 'POST', path: '/v1/inboxes', body: { a: 1 } }))).toBe('key_01abc');
    expect(fingerprintOwner('no-colon')).toBe('no-colon');
  });
});

describe('callShard', () => {
  const failing = (errors: unknown[]) => {
    let calls = 0;
    const namespace = { getByName: () => ({}) } as unknown as LimiterNamespace;
    const call = async () => {
      const err = errors[calls++];
      if (err === undefined) return 'ok';
      throw err;
    };
    return { run: () => callShard(namespace, 'id', call), calls: () => calls };
  };
  const infra = (fields: Record<string, boolean>) => Object.assign(new Error('infrastructure'), fields);

  it('retries a retryable infrastructure error once', async () => {
    const f = failing([infra({ retryable: true })]);
    expect(await f.run()).toBe('ok');
    expect(f.calls()).toBe(2);
  });

  it('answers overloaded (503, Retry-After) for an overloaded object or a second failure', async () => {
    for (const errors of [[infra({ overloaded: true, retryable: true })], [infra({ retryable: true }), infra({ retryable: true })]]) {
      const err = await failing(errors).run().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BreakwaterError);
      expect(err).toMatchObject({ code: 'overloaded', extras: { retryAfterSeconds: 1 } });
    }
  });

  it('passes the object\'s own errors and invalid input through as faults', async () => {
    const remote = infra({ remote: true, retryable: true });
    await expect(failing([remote]).run()).rejects.toBe(remote);
    await expect(failing([new RangeError('bad rule')]).run()).rejects.toThrow(RangeError);
  });
});
