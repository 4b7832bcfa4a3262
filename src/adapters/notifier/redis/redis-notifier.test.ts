import { afterAll, describe, expect, it } from 'vitest';
import { memoryLogger, REDIS_URL, requireServices, testPrefix } from '../../../../test/helpers/services.ts';
import { RedisBus } from '../../pubsub/redis/redis-bus.ts';
import { RedisNotifier } from './redis-notifier.ts';

const down = await requireServices('RedisNotifier', 'redis');

describe.skipIf(down !== null)('RedisNotifier', () => {
  const buses: RedisBus[] = [];
  afterAll(async () => {
    for (const b of buses) await b.close();
  });

  async function nodes(count: number) {
    const prefix = testPrefix();
    const out: RedisNotifier[] = [];
    for (let i = 0; i < count; i++) {
      const bus = new RedisBus({ url: REDIS_URL, logger: memoryLogger(), prefix });
      await bus.connect();
      buses.push(bus);
      out.push(new RedisNotifier({ bus }));
    }
    // SUBSCRIBE is on its way once connected; give it a moment to land before publishing.
    await new Promise((r) => setTimeout(r, 100));
    return out;
  }

  it('wakes waiters on this node and on the others', async () => {
    const [a, b] = await nodes(2);
    const started = Date.now();
    const waits = [a!.wait('inbox:1', 5000), b!.wait('inbox:1', 5000), b!.wait('inbox:2', 300)];
    a!.publish('inbox:1');
    expect(await Promise.all(waits)).toEqual([true, true, false]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('carries the topics of one tick in one message, and each wakes its own waiters', async () => {
    const [a, b] = await nodes(2);
    const waits = ['queue:delivery', 'inbox:7', 'events:org_1'].map((t) => b!.wait(t, 5000));
    a!.publish('queue:delivery');
    a!.publish('inbox:7');
    a!.publish('events:org_1');
    expect(await Promise.all(waits)).toEqual([true, true, true]);
  });

  it('ends a wait on abort', async () => {
    const [a] = await nodes(1);
    const ctl = new AbortController();
    const w = a!.wait('x', 5000, ctl.signal);
    ctl.abort();
    expect(await w).toBe(false);
  });
});
