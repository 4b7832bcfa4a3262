/**
 * Two real nodes lose Redis mid-test (a redis-server of this test's own, killed with SIGKILL;
 * the machine's Redis is never touched): they keep answering, each from its share of the limits,
 * a known quarantine keeps holding, and once Redis returns the bucket is shared again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';
import { canStartRedis, inCI, requireServices, throwawayDatabase, ThrowawayRedis, type ThrowawayDatabase } from '../helpers/services.ts';

const down = await requireServices('redis outage (two nodes)', 'postgres');
const haveRedis = await canStartRedis();
if (!haveRedis && inCI) throw new Error('redis outage (two nodes): redis-server is not installed, and CI must run this suite');

describe.skipIf(down !== null || !haveRedis)('two nodes while Redis is down', () => {
  let db: ThrowawayDatabase;
  let redis: ThrowawayRedis;
  const nodes: TestServer[] = [];
  let key: string;

  beforeAll(async () => {
    db = await throwawayDatabase();
    redis = await ThrowawayRedis.start();
    const env = {
      // No BREAKWATER_NODE_COUNT: the nodes count themselves in Redis while it is up.
      BREAKWATER_DATABASE_URL: db.url, BREAKWATER_REDIS_URL: redis.url, BREAKWATER_SECRET_KEY: 'a5'.repeat(32),
      BREAKWATER_KEY_RATE: '20', BREAKWATER_KEY_BURST: '40',
    };
    nodes.push(...(await Promise.all([TestServer.start({ env, startTimeoutMs: 60_000 }), TestServer.start({ env, startTimeoutMs: 60_000 })])));
    ({ key } = await nodes[0]!.createOrg('outage'));
  }, 150_000);
  afterAll(async () => {
    for (const n of nodes) await n.stop();
    await redis?.kill();
    await db?.drop();
  }, 60_000);

  /** A fresh key of the org, so each test starts with a full bucket. */
  const newKey = (name: string) => nodes[0]!.createKey(key, name);

  /** `n` requests alternating between the nodes; their statuses and the slowest answer. */
  async function burst(k: string, n: number): Promise<{ passed: number; statuses: Set<number>; slowestMs: number; seconds: number }> {
    const began = Date.now();
    const statuses = new Set<number>();
    let passed = 0;
    let slowestMs = 0;
    for (let i = 0; i < n; i++) {
      const started = Date.now();
      const res = await nodes[i % 2]!.api('GET', `/v1/inboxes?limit=${(i % 50) + 1}`, { key: k });
      slowestMs = Math.max(slowestMs, Date.now() - started);
      statuses.add(res.status);
      if (res.status === 200) passed++;
    }
    return { passed, statuses, slowestMs, seconds: (Date.now() - began) / 1000 };
  }

  it('answers every request, fails limits open to each node\'s share, keeps quarantines, and shares again after', async () => {
    const jailed = await newKey('jailed');
    const q = await nodes[0]!.api('POST', '/v1/quarantine', {
      key: nodes[0]!.operatorToken, body: { kind: 'key', target: jailed.id, lane: 'both', reason: 'outage test', ttl_seconds: 3600 },
    });
    expect(q.status).toBe(201);
    await nodes[1]!.until(async () => (await nodes[1]!.api('GET', '/v1/inboxes', { key: jailed.key })).status === 403, 2000);
    const k = await newKey('during');
    // Let each node's census (a beat every 2 s) count the other before Redis goes.
    await new Promise((r) => setTimeout(r, 2500));

    await redis.kill();

    const during = await burst(k.key, 80);
    expect([...during.statuses].sort()).toEqual([200, 429]);
    // Each node alone grants its share, burst 20 and 10/s: together about what one shared bucket
    // grants (40 and 20/s), not the double that two full local buckets would.
    const share = 2 * (20 + 10 * during.seconds);
    console.info(`during the outage: ${during.passed} of 80 passed in ${during.seconds} s (two shares allow ${share.toFixed(0)}), slowest answer ${during.slowestMs} ms`);
    expect(during.passed).toBeGreaterThanOrEqual(40);
    expect(during.passed).toBeLessThanOrEqual(Math.ceil(share) + 2);
    // No request waits for the dead Redis (a command times out after 500 ms at worst, then the breaker skips it).
    expect(during.slowestMs).toBeLessThan(2000);
    for (const n of nodes) expect((await n.api('GET', '/v1/inboxes', { key: jailed.key })).status).toBe(403);
    expect(nodes[0]!.logs.some((l) => l.includes('falling back to local state'))).toBe(true);

    await redis.spawn();
    await nodes[0]!.until(async () => nodes.every((n) => n.logs.some((l) => l.includes('redis connection restored'))), 10_000);
    await new Promise((r) => setTimeout(r, 1500)); // the breaker's cool-down
    const after = await burst((await newKey('after')).key, 120);
    console.info(`after Redis returned: ${after.passed} of 120 passed in ${after.seconds} s`);
    expect(after.passed).toBeGreaterThanOrEqual(40);
    // One shared bucket again: 40 and 20/s for both nodes together.
    expect(after.passed).toBeLessThanOrEqual(Math.ceil(40 + 20 * after.seconds) + 2);
  }, 90_000);
});
