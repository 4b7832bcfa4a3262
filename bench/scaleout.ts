// npm run bench:scaleout — the scale-out shape (PostgreSQL + Redis) on this machine, ~60 s:
//   1. Redis limiter: decisions per second and latency (p50/p99) of RedisLimiter.take, one at a
//      time and 64 in flight, against the in-memory limiter in the same process;
//   2. one Breakwater process: accepted sends per second (202 after the PostgreSQL commit) and
//      the 429 path (a key whose shared bucket is empty: one Redis round trip per answer);
//   3. two processes on the same database and Redis, the same load split between them.
// Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379; works in a
// throwaway database and under a key prefix of its own. 127.0.0.1 only; the load comes from this
// process, so on a 2-core machine it shares the CPUs with the servers.
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { SMTPServer } from 'smtp-server';
import { MemoryLimiter } from '../src/adapters/limiter/memory/memory-limiter.ts';
import { RedisLimiter } from '../src/adapters/limiter/redis/redis-limiter.ts';
import { RedisBus } from '../src/adapters/pubsub/redis/redis-bus.ts';
import type { LimitRule, Limiter } from '../src/core/limits/limiter.ts';
import { memoryLogger, REDIS_URL, requireServices, testPrefix, throwawayDatabase } from '../test/helpers/services.ts';
import { closedLoop, type LoadResult } from './lib/http-load.ts';
import { api, startBreakwater, type BreakwaterProcess } from './lib/spawn.ts';
import { fmt, percentile, table } from './lib/stats.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const LIMITER_MS = 3000;
const DRAIN_MS = 20_000;
/** Messages the relay sink has accepted so far. */
let relayed = 0;

type Row = { measure: string; value: string; note: string };

/** Decisions per second and latency of `take`, sequential and with `inFlight` concurrent callers. */
async function limiterRun(limiter: Limiter, inFlight: number, ms: number): Promise<{ perSecond: number; lat: number[] }> {
  const rule: LimitRule = { name: 'bench', limit: 1_000_000, windowMs: 1000, burst: 1_000_000 };
  const lat: number[] = [];
  let n = 0;
  const deadline = performance.now() + ms;
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async (_, w) => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await limiter.take(`key_${w}_${n % 1000}`, rule);
      lat.push(performance.now() - t0);
      n++;
    }
  }));
  return { perSecond: n / ((performance.now() - started) / 1000), lat };
}

async function limiters(): Promise<Row[]> {
  const bus = new RedisBus({ url: REDIS_URL, logger: memoryLogger(), prefix: testPrefix() });
  await bus.connect();
  try {
    const redis = new RedisLimiter({ bus });
    const memory = new MemoryLimiter();
    const rows: Row[] = [];
    for (const [name, limiter] of [['memory', memory], ['Redis', redis]] as const) {
      for (const inFlight of [1, 64]) {
        const r = await limiterRun(limiter, inFlight, name === 'memory' ? 1000 : LIMITER_MS);
        rows.push({
          measure: `${name} limiter, ${inFlight} in flight`, value: `${fmt(r.perSecond)}/s`,
          note: `p50 ${fmt(percentile(r.lat, 50), 3)} ms, p99 ${fmt(percentile(r.lat, 99), 3)} ms`,
        });
      }
    }
    return rows;
  } finally {
    await bus.close();
  }
}

/** A closed loop spread over several nodes: `connections` split evenly, one generator each. */
async function spread(nodes: BreakwaterProcess[], make: (node: number) => (i: number) => ReturnType<Parameters<typeof closedLoop>[0]['request']>): Promise<LoadResult> {
  const runs = await Promise.all(nodes.map((n, i) => closedLoop({ url: n.url, connections: Math.ceil(CONNECTIONS / nodes.length), seconds: SECONDS, request: make(i) })));
  const byStatus: Record<number, number> = {};
  for (const r of runs) for (const [s, c] of Object.entries(r.byStatus)) byStatus[Number(s)] = (byStatus[Number(s)] ?? 0) + c;
  return { count: runs.reduce((a, r) => a + r.count, 0), byStatus, latenciesMs: runs.flatMap((r) => r.latenciesMs), seconds: Math.max(...runs.map((r) => r.seconds)) };
}

async function sendPhase(nodes: BreakwaterProcess[]): Promise<{ row: Row; key: string }> {
  const first = nodes[0]!;
  const org = await api(first.url, 'POST', '/v1/orgs', first.operatorToken, { name: `bench ${nodes.length}`, plan: 'unlimited' });
  const key = org.body.api_key as string;
  const inboxes = await Promise.all(Array.from({ length: 16 }, (_, i) => api(first.url, 'POST', '/v1/inboxes', key, { username: `s${nodes.length}-${i}` })));
  const ids = inboxes.map((r) => r.body.id as string);
  // A fresh Idempotency-Key and body each, over 16 inboxes; the limits are far above the load.
  const sends = await spread(nodes, (node) => (i) => ({
    method: 'POST', path: `/v1/inboxes/${ids[(i + node) % ids.length]}/messages`,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ to: [`rcpt-${node}-${i}@example.com`], subject: `bench ${i}`, text: `message ${i} ${'lorem ipsum '.repeat(40)}` }),
  }));
  const accepted = sends.byStatus[202] ?? 0;
  // The workers of every node relay what was accepted; wait for them (bounded), so the next
  // phase runs on a quiet queue.
  const before = relayed;
  const drainStart = performance.now();
  while (relayed - before < accepted && performance.now() - drainStart < DRAIN_MS) await new Promise((r) => setTimeout(r, 100));
  const drainSeconds = (performance.now() - drainStart) / 1000;
  return {
    key,
    row: {
      measure: `${label(nodes)}: accepted sends/s`, value: fmt(accepted / sends.seconds),
      note: `p50 ${fmt(percentile(sends.latenciesMs, 50), 1)} ms, p99 ${fmt(percentile(sends.latenciesMs, 99), 1)} ms; statuses ${JSON.stringify(sends.byStatus)}; ` +
        `${relayed - before} of ${accepted} relayed ${fmt(drainSeconds, 1)} s after the load`,
    },
  };
}

/** The 429 path: one key at the DESIGN limit (20/s, burst 40), hammered from every node. */
async function refusalPhase(nodes: BreakwaterProcess[], orgKey: string): Promise<Row> {
  const limited = await api(nodes[0]!.url, 'POST', '/v1/keys', orgKey, { name: 'limited', scopes: ['org'] });
  const key = limited.body.api_key as string;
  const refusals = await spread(nodes, (node) => (i) => ({
    // A different query each time: the same request repeated would be a loop, answered before the bucket.
    method: 'GET', path: `/v1/inboxes?limit=${((i + node) % 50) + 1}`, headers: { authorization: `Bearer ${key}` },
  }));
  const passed = refusals.byStatus[200] ?? 0;
  return {
    measure: `${label(nodes)}: 429 answers/s (one key, shared bucket)`, value: fmt((refusals.byStatus[429] ?? 0) / refusals.seconds),
    note: `p50 ${fmt(percentile(refusals.latenciesMs, 50), 1)} ms, p99 ${fmt(percentile(refusals.latenciesMs, 99), 1)} ms; ` +
      `${passed} passed (40 + 20/s allows ${fmt(40 + 20 * refusals.seconds)}); statuses ${JSON.stringify(refusals.byStatus)}`,
  };
}

const label = (nodes: BreakwaterProcess[]) => (nodes.length === 1 ? 'one process' : `${nodes.length} processes`);

async function main() {
  await requireServices('bench:scaleout', 'postgres', 'redis').then((down) => {
    if (down) throw new Error(`bench:scaleout needs PostgreSQL and Redis: ${down}`);
  });
  console.log(`bench:scaleout — ${SECONDS} s per load, ${CONNECTIONS} connections, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const rows: Row[] = await limiters();

  const sink = new SMTPServer({
    authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false, disableReverseLookup: true,
    onData(stream, _s, cb) {
      stream.on('data', () => {});
      stream.on('end', () => {
        relayed++;
        cb();
      });
    },
  });
  sink.on('error', () => {});
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const sinkPort = (sink.server.address() as { port: number }).port;

  for (const count of [1, 2]) {
    const db = await throwawayDatabase();
    const env = {
      BREAKWATER_DATABASE_URL: db.url, BREAKWATER_REDIS_URL: REDIS_URL, BREAKWATER_REDIS_PREFIX: testPrefix(),
      BREAKWATER_SMTP_RELAY: `smtp://127.0.0.1:${sinkPort}`, BREAKWATER_NODE_COUNT: String(count), BREAKWATER_LOG_LEVEL: 'warn',
      BREAKWATER_MAX_IN_FLIGHT: '256', BREAKWATER_INBOX_SEND_RATE: '1000000', BREAKWATER_INBOX_SEND_BURST: '1000000',
    };
    const start = (limits: Record<string, string>) => Promise.all(Array.from({ length: count }, () => startBreakwater({ ...env, ...limits })));
    let nodes: BreakwaterProcess[] = [];
    try {
      // The key limit is configuration, so each phase starts the nodes with its own.
      nodes = await start({ BREAKWATER_KEY_RATE: '1000000', BREAKWATER_KEY_BURST: '1000000' });
      const sends = await sendPhase(nodes);
      rows.push(sends.row);
      await Promise.all(nodes.map((n) => n.stop()));
      nodes = await start({ BREAKWATER_KEY_RATE: '20', BREAKWATER_KEY_BURST: '40' });
      rows.push(await refusalPhase(nodes, sends.key));
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      await db.drop();
    }
  }
  sink.close();
  console.log(table(rows));
}

await main();
