import { afterAll, describe, expect, it } from 'vitest';
import { memoryLogger, quarantineEntry as entry, REDIS_URL, requireServices, SharedPersistence, testPrefix } from '../../../../test/helpers/services.ts';
import { RedisBus } from '../../pubsub/redis/redis-bus.ts';
import { RedisQuarantine } from './redis-quarantine.ts';

const down = await requireServices('RedisQuarantine', 'redis');

describe.skipIf(down !== null)('RedisQuarantine', () => {
  const open: Array<{ bus: RedisBus; registry: RedisQuarantine }> = [];
  afterAll(async () => {
    for (const n of open) {
      n.registry.stop();
      await n.bus.close();
    }
  });

  async function nodes(count: number, reloadMs = 60_000) {
    const prefix = testPrefix();
    const persistence = new SharedPersistence();
    const out = [];
    for (let i = 0; i < count; i++) {
      const bus = new RedisBus({ url: REDIS_URL, logger: memoryLogger(), prefix });
      await bus.connect();
      const registry = new RedisQuarantine({ bus, clock: Date.now, persistence, logger: memoryLogger(), reloadMs });
      await registry.load();
      open.push({ bus, registry });
      out.push(registry);
    }
    return { persistence, nodes: out };
  }

  const soon = async (fn: () => boolean, ms = 1000) => {
    const deadline = Date.now() + ms;
    while (!fn()) {
      if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('starts from the entries already stored', async () => {
    const { persistence } = await nodes(0);
    const e = entry('key_stored');
    await persistence.saveQuarantine(e);
    const bus = new RedisBus({ url: REDIS_URL, logger: memoryLogger(), prefix: testPrefix() });
    await bus.connect();
    const registry = new RedisQuarantine({ bus, clock: Date.now, persistence, logger: memoryLogger() });
    await registry.load();
    open.push({ bus, registry });
    expect(registry.check('key', 'key_stored', 'outbound')).toEqual(e);
  });

  it('tells every node of an entry added or removed on one, within a second', async () => {
    const { persistence, nodes: [a, b, c] } = await nodes(3);
    const e = entry('key_shared');
    await a!.add(e);
    expect(persistence.rows.get(e.id)).toEqual(e);
    await soon(() => b!.check('key', 'key_shared', 'outbound') !== null && c!.check('key', 'key_shared', 'outbound') !== null);
    expect(b!.check('key', 'key_shared', 'inbound')).toBeNull();
    expect(c!.list().map((x) => x.id)).toEqual([e.id]);
    expect(await b!.remove(e.id)).toEqual(e);
    expect(persistence.rows.has(e.id)).toBe(false);
    await soon(() => a!.check('key', 'key_shared', 'outbound') === null && c!.get(e.id) === null);
  });

  it('catches up from the store what pub/sub did not carry', async () => {
    const { persistence, nodes: [a] } = await nodes(1, 100);
    const e = entry('key_behind_its_back');
    await persistence.saveQuarantine(e); // another node wrote it while this one heard nothing
    await soon(() => a!.check('key', e.target, 'outbound') !== null);
    await persistence.deleteQuarantine(e.id);
    await soon(() => a!.check('key', e.target, 'outbound') === null);
  });
});
