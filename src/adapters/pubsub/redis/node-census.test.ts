import { afterAll, describe, expect, it } from 'vitest';
import { memoryLogger, REDIS_URL, requireServices, testPrefix } from '../../../../test/helpers/services.ts';
import { NodeCensus } from './node-census.ts';
import { RedisBus } from './redis-bus.ts';

const down = await requireServices('NodeCensus', 'redis');

describe.skipIf(down !== null)('NodeCensus', () => {
  const buses: RedisBus[] = [];
  afterAll(async () => {
    for (const b of buses) await b.close();
  });

  it('counts the nodes that beat within the TTL, keeps the last count, and never answers fewer than configured', async () => {
    const prefix = testPrefix();
    const census: NodeCensus[] = [];
    for (let i = 0; i < 3; i++) {
      const bus = new RedisBus({ url: REDIS_URL, logger: memoryLogger(), prefix });
      buses.push(bus);
      census.push(new NodeCensus({ bus, configured: 1, intervalMs: 60_000, ttlMs: 300 }));
    }
    expect(census[0]!.count()).toBe(1);
    expect(new NodeCensus({ bus: buses[0]!, configured: 5 }).count()).toBe(5);
    for (const b of buses) await b.connect();
    for (const c of census) await c.start();
    await census[0]!.beat();
    expect(census[0]!.count()).toBe(3);
    await census[2]!.stop();
    await census[0]!.beat();
    expect(census[0]!.count()).toBe(2);
    // Node 1 stops beating (it died): after the TTL it no longer counts.
    await new Promise((r) => setTimeout(r, 400));
    await census[0]!.beat();
    expect(census[0]!.count()).toBe(1);
    await buses[0]!.close();
    // Redis gone for this node: the last count stays.
    await census[0]!.beat();
    expect(census[0]!.count()).toBe(1);
    for (const c of census) await c.stop();
  });
});
