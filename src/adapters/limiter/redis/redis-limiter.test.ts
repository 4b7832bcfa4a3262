import { afterAll, describe, expect, it } from 'vitest';
import type { LimitRule } from '../../../core/limits/limiter.ts';
import { memoryLogger, REDIS_URL, requireServices, testPrefix } from '../../../../test/helpers/services.ts';
import { RedisBus } from '../../pubsub/redis/redis-bus.ts';
import { limiterContract } from '../limiter-contract.ts';
import { loopContract } from '../loop-contract.ts';
import { RedisLimiter } from './redis-limiter.ts';
import { RedisLoopDetector, RedisLoopStrikes } from './redis-loop-detector.ts';

// Under CI a missing Redis fails this file; elsewhere it is skipped with a warning.
const down = await requireServices('RedisLimiter', 'redis');

describe.skipIf(down !== null)('Redis limiter and loop detection', () => {
  const buses: RedisBus[] = [];
  const bus = async (prefix = testPrefix()) => {
    const b = new RedisBus({ url: REDIS_URL, logger: memoryLogger(), prefix });
    buses.push(b);
    expect(await b.connect()).toBe(true);
    return b;
  };
  afterAll(async () => {
    for (const b of buses) await b.close();
  });

  // The injected clock stands still while real time passes, so keep idle keys a minute past
  // what the policy needs: Redis's own TTL clock must never forget state the test still reads.
  limiterContract('Redis', async (now) => new RedisLimiter({ bus: await bus(), now, idleGraceMs: 60_000 }));
  loopContract('Redis', async (now) => {
    const b = await bus();
    return { detector: new RedisLoopDetector({ bus: b, now, idleGraceMs: 60_000 }), strikes: new RedisLoopStrikes({ bus: b, now, idleGraceMs: 60_000 }) };
  });

  describe('RedisLimiter', () => {
    const rule: LimitRule = { name: 'key', limit: 20, windowMs: 1000, burst: 40 };

    it('shares one bucket between processes: two limiters on one key grant the burst once', async () => {
      const t = 1_700_000_000_000;
      const prefix = testPrefix();
      const [a, b] = [await bus(prefix), await bus(prefix)];
      const one = new RedisLimiter({ bus: a, now: () => t });
      const two = new RedisLimiter({ bus: b, now: () => t });
      const decisions = await Promise.all(Array.from({ length: 120 }, (_, i) => (i % 2 ? one : two).take('key_shared', rule)));
      expect(decisions.filter((d) => d.ok)).toHaveLength(40);
    });

    it('keeps buckets under a Cluster hash tag, expiring once full again', async () => {
      const b = await bus();
      const limiter = new RedisLimiter({ bus: b, idleGraceMs: 1000 });
      await limiter.take('key_ttl', rule, 3);
      const redisKey = limiter.bucketKey('key_ttl', rule);
      expect(redisKey).toBe(`${b.prefix}{key_ttl}:key`);
      const ttl = await b.command.pttl(redisKey);
      expect(ttl).toBeGreaterThan(1000);
      expect(ttl).toBeLessThanOrEqual(150 + 1000);
    });

    it('runs its script by SHA after the first load, and reloads it after SCRIPT FLUSH', async () => {
      const b = await bus();
      const limiter = new RedisLimiter({ bus: b });
      await b.command.script('FLUSH');
      expect((await limiter.take('key_flush', rule)).ok).toBe(true);
      expect((await limiter.take('key_flush', rule)).remaining).toBe(38);
    });

    it('rejects when Redis cannot be reached', async () => {
      const b = new RedisBus({ url: 'redis://127.0.0.1:1', logger: memoryLogger(), prefix: testPrefix() });
      buses.push(b);
      expect(await b.connect(500)).toBe(false);
      await expect(new RedisLimiter({ bus: b }).take('k', rule)).rejects.toThrow();
    });
  });
});
