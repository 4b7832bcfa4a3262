/**
 * Redis stops in the middle: every mechanism does what docs/deployment.md says it does
 * ("When Redis is down"), and comes back to shared state when Redis returns. Uses a redis-server
 * of its own on a free port, killed with SIGKILL mid-test; the machine's Redis is never touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLimiter } from '../../src/adapters/limiter/memory/memory-limiter.ts';
import { MemoryLoopDetector, MemoryLoopStrikes } from '../../src/adapters/limiter/memory/memory-loop-detector.ts';
import { FallbackLimiter, FallbackLoopDetector, FallbackLoopStrikes, localShare } from '../../src/adapters/limiter/redis/fallback.ts';
import { RedisLimiter } from '../../src/adapters/limiter/redis/redis-limiter.ts';
import { RedisLoopDetector, RedisLoopStrikes } from '../../src/adapters/limiter/redis/redis-loop-detector.ts';
import { RedisNotifier } from '../../src/adapters/notifier/redis/redis-notifier.ts';
import { RedisBus } from '../../src/adapters/pubsub/redis/redis-bus.ts';
import { RedisQuarantine } from '../../src/adapters/quarantine/redis/redis-quarantine.ts';
import type { LimitRule } from '../../src/core/limits/limiter.ts';
import { canStartRedis, inCI, memoryLogger, quarantineEntry, SharedPersistence, ThrowawayRedis } from '../helpers/services.ts';

const haveRedis = await canStartRedis();
if (!haveRedis && inCI) throw new Error('redis-outage: redis-server is not installed, and CI must run this suite');
if (!haveRedis) console.warn('skipping redis-outage: no redis-server binary');

const rule: LimitRule = { name: 'key', limit: 20, windowMs: 1000, burst: 40 };

async function until(fn: () => boolean | Promise<boolean>, ms = 5000): Promise<number> {
  const started = Date.now();
  while (!(await fn())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

describe.skipIf(!haveRedis)('Redis stops mid-test, then returns', () => {
  let redis: ThrowawayRedis;
  const t = 1_700_000_000_000; // a clock that stands still: only the outage changes the answers
  const persistence = new SharedPersistence();
  const logs = [memoryLogger(), memoryLogger()];
  let nodes: Array<{
    bus: RedisBus; limiter: FallbackLimiter; loops: FallbackLoopDetector; strikes: FallbackLoopStrikes;
    quarantine: RedisQuarantine; notifier: RedisNotifier;
  }>;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    nodes = [];
    for (const logger of logs) {
      const bus = new RedisBus({ url: redis.url, logger, commandTimeoutMs: 300 });
      expect(await bus.connect()).toBe(true);
      const now = () => t;
      const quarantine = new RedisQuarantine({ bus, clock: Date.now, persistence, logger, reloadMs: 300 });
      await quarantine.load();
      nodes.push({
        bus, quarantine, notifier: new RedisNotifier({ bus, degradedPollMs: 200 }),
        limiter: new FallbackLimiter({ bus, nodeCount: 2, primary: new RedisLimiter({ bus, now, idleGraceMs: 60_000 }), local: new MemoryLimiter({ now }) }),
        loops: new FallbackLoopDetector({ bus, primary: new RedisLoopDetector({ bus, now, idleGraceMs: 60_000 }), local: new MemoryLoopDetector({ now }) }),
        strikes: new FallbackLoopStrikes({ bus, primary: new RedisLoopStrikes({ bus, now, idleGraceMs: 60_000 }), local: new MemoryLoopStrikes({ now }) }),
      });
    }
    await new Promise((r) => setTimeout(r, 100)); // subscriptions land
  });
  afterAll(async () => {
    for (const n of nodes ?? []) {
      n.quarantine.stop();
      await n.bus.close();
    }
    await redis?.kill();
  });

  it('shares state while Redis is up; falls back per mechanism while it is down; shares again once it is back', async () => {
    const [a, b] = [nodes[0]!, nodes[1]!];
    const known = quarantineEntry('key_known');
    await a.quarantine.add(known);
    await until(() => b.quarantine.check('key', 'key_known', 'outbound') !== null, 1000);

    // Up: one bucket for both nodes.
    const shared = await Promise.all(Array.from({ length: 60 }, (_, i) => [a, b][i % 2]!.limiter.take('key_1', rule)));
    expect(shared.filter((d) => d.ok)).toHaveLength(40);

    // A waiter on b, with a long timeout, started while pub/sub is up.
    const waiting = b.notifier.wait('inbox:1', 30_000);

    await redis.kill();

    // Notifier: the waiter is released at once, and later waits poll at degradedPollMs.
    const released = Date.now();
    expect(await waiting).toBe(false);
    expect(Date.now() - released).toBeLessThan(2000);
    const polled = Date.now();
    expect(await b.notifier.wait('inbox:1', 30_000)).toBe(false);
    expect(Date.now() - polled).toBeLessThan(1000);

    // Limits fail open to this node's share (rate and burst halved for 2 nodes), fast: no request waits for Redis.
    const started = Date.now();
    const alone = await Promise.all(Array.from({ length: 30 }, () => a.limiter.take('key_1', rule)));
    expect(alone.filter((d) => d.ok)).toHaveLength(localShare(rule, 2).burst);
    expect(alone.find((d) => !d.ok)).toMatchObject({ limit: 10, burst: 20 });
    expect((await Promise.all(Array.from({ length: 30 }, () => b.limiter.take('key_1', rule)))).filter((d) => d.ok)).toHaveLength(20);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(logs[0]!.lines.some((l) => l.level === 'warn' && /redis/.test(l.msg ?? ''))).toBe(true);

    // Loop detection goes on, on local state.
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await a.loops.hit('fp-during-outage'));
    expect(hits.map((h) => h.loop)).toEqual([false, false, false, true]);
    const strikes = [];
    for (let i = 0; i < 5; i++) strikes.push((await a.strikes.strike('key_looping')).quarantineMs);
    expect(strikes).toEqual([null, null, null, null, 60_000]);

    // Quarantine fails closed: the entry already known keeps barring, on both nodes.
    expect(a.quarantine.check('key', 'key_known', 'outbound')?.id).toBe(known.id);
    expect(b.quarantine.check('key', 'key_known', 'outbound')?.id).toBe(known.id);
    // A change made now still reaches the other node, through the store, within the reload period.
    const during = quarantineEntry('key_during');
    await a.quarantine.add(during);
    await until(() => b.quarantine.check('key', 'key_during', 'outbound') !== null, 2000);

    await redis.spawn();

    // Back: one shared bucket again (this Redis kept nothing, so a full one), pub/sub wakes peers again.
    await until(() => a.bus.available() && b.bus.available() && a.bus.listening() && b.bus.listening(), 10_000);
    await new Promise((r) => setTimeout(r, 1100)); // the breaker's cool-down after the outage's faults
    const again = await Promise.all(Array.from({ length: 60 }, (_, i) => [a, b][i % 2]!.limiter.take('key_1', rule)));
    expect(again.filter((d) => d.ok)).toHaveLength(40);
    const wake = b.notifier.wait('inbox:2', 5000);
    await new Promise((r) => setTimeout(r, 50));
    a.notifier.publish('inbox:2');
    expect(await wake).toBe(true);
    const after = quarantineEntry('key_after');
    await b.quarantine.add(after);
    await until(() => a.quarantine.check('key', 'key_after', 'outbound') !== null, 1000);
    expect(logs[0]!.lines.some((l) => l.msg === 'redis connection restored')).toBe(true);
  });
});
