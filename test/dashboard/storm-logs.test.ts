/**
 * A storm of 10,000 rejections writes a handful of log lines, not 10,000 (issue 6, logs): a real
 * server process, one key over its DESIGN §5 bucket (20/s, burst 40). Each refusal is counted;
 * RejectionCounter.flush writes one summary line per key and reason every 10 s, and at stop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';

const STORM = 10_000;
const CONCURRENCY = 64;

interface Line {
  msg?: string;
  [field: string]: unknown;
  key?: string;
  reason?: string;
  count?: number;
  lane?: string;
  decision?: string;
  status?: number;
  route?: string;
}

const parse = (lines: string[]): Line[] => lines.flatMap((l) => {
  try {
    return [JSON.parse(l) as Line];
  } catch {
    return [];
  }
});

describe('a storm of rejections in the logs', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start({ env: { BREAKWATER_KEY_RATE: '20', BREAKWATER_KEY_BURST: '40' } });
  });
  afterAll(async () => {
    if (server?.exitCode === null) await server.stop();
  });

  it('10,000 refused requests of one key: no line each, a few summary lines with the exact count; a delivery attempt is one line', async () => {
    // One delivery attempt, by another org: its job line names lane, ids, decision and duration.
    const calm = await server.createOrg('calm');
    const inbox = await server.createInbox(calm.key, 'calm');
    const sent = await server.api('POST', `/v1/inboxes/${inbox.id}/messages`, {
      key: calm.key, body: { to: ['someone@example.com'], subject: 'one', text: 'one' }, headers: { 'idempotency-key': 'one' },
    });
    expect(sent.status).toBe(202);
    await server.until(async () => (await server.api('GET', `/v1/messages/${sent.body.id}`, { key: calm.key })).body.status === 'sandboxed');

    const { key } = await server.createOrg('storm');
    const keyId = (await server.api('GET', '/v1/keys', { key })).body.data[0].id as string;
    const before = server.logs.length;

    const statuses: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < STORM) {
        next++;
        const res = await fetch(`${server.url}/v1/inboxes`, { headers: { authorization: `Bearer ${key}` } });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const refused = statuses.filter((s) => s === 429).length;
    const accepted = statuses.filter((s) => s === 200).length;
    expect(refused + accepted).toBe(STORM);
    expect(refused).toBeGreaterThan(STORM * 0.9);

    // Stopping flushes the counter's last period (server.ts), so every refusal is in a line.
    expect(await server.stop()).toBe(0);
    const lines = parse(server.logs.slice(before));
    const summaries = lines.filter((l) => l.msg === 'rejections' && l.key === keyId);
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    expect(summaries.length).toBeLessThanOrEqual(5);
    for (const s of summaries) expect(s).toMatchObject({ lane: 'control', reason: 'rate_limited', decision: 'rejected' });
    expect(summaries.reduce((n, s) => n + (s.count ?? 0), 0)).toBe(refused);

    // Accepted requests keep their line each; refused ones have none.
    const requestLines = lines.filter((l) => l.msg === 'request' && l.route === 'GET /v1/inboxes');
    expect(requestLines.filter((l) => l.status === 429)).toHaveLength(0);
    expect(requestLines).toHaveLength(accepted);
    expect(lines.length).toBeLessThan(accepted + 50);

    const jobs = parse(server.logs).filter((l) => l.msg === 'job' && (l as { message?: string }).message === sent.body.id);
    expect(jobs).toMatchObject([{ lane: 'outbound', queue: 'delivery', org: calm.orgId, inbox: inbox.id, decision: 'sandboxed', result: 'done', ms: expect.any(Number) }]);
  }, 120_000);
});
