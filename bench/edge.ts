// npm run bench:edge — the Workers shape in workerd against the Node shape, on this machine, as
// ratios (issue 8). Two workloads, each against both shapes started fresh:
//   1. the 429 path: one key reads `GET /v1/inboxes` from 100 connections for 8 s with the
//      DESIGN §5 limits (20/s, burst 40), so nearly every answer is a 429 with its RateLimit fields;
//   2. a full send: 16 connections post sends from one inbox to another hosted inbox (local
//      delivery) with the limits lifted, each 202 only after the store committed it.
// Workers: `wrangler dev` (workerd, local D1, R2, Durable Objects and Queues; the same command as
// `npm run dev:worker`). Node: `node bin/breakwater.js start` (SQLite, memory limits). The load
// generator is this process; 127.0.0.1 only, bounded by time and count.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedLoop, type LoadResult } from './lib/http-load.ts';
import { api, startBreakwater } from './lib/spawn.ts';
import { fmt, percentile, table } from './lib/stats.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const STORM_CONNECTIONS = 100;
const SEND_CONNECTIONS = 16;
const MAX_REQUESTS = 2_000_000;
const OPERATOR = 'bwop_bench_operator_token_0123456789';
const SECRET_KEY = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const LIFTED = {
  BREAKWATER_KEY_RATE: '1000000', BREAKWATER_KEY_BURST: '1000000',
  BREAKWATER_INBOX_SEND_RATE: '1000000', BREAKWATER_INBOX_SEND_BURST: '1000000', BREAKWATER_MAX_IN_FLIGHT: '256',
};

interface Shape {
  name: 'node' | 'workers';
  url: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function startNode(env: Record<string, string>): Promise<Shape> {
  const bw = await startBreakwater({ BREAKWATER_LOG_LEVEL: 'warn', ...env });
  return { name: 'node', url: bw.url, stop: bw.stop };
}

async function startWorkers(env: Record<string, string>): Promise<Shape> {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), 'bw-edge-'));
  const vars = Object.entries({ BREAKWATER_OPERATOR_TOKEN: OPERATOR, BREAKWATER_SECRET_KEY: SECRET_KEY, BREAKWATER_LOG_LEVEL: 'warn', ...env }).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  // --log-level error: wrangler's per-request log lines would cost the shape being measured.
  const child = spawn(process.execPath, [
    join('node_modules', 'wrangler', 'bin', 'wrangler.js'), 'dev', '--ip', '127.0.0.1', '--port', String(port),
    '--persist-to', state, '--log-level', 'error', '--show-interactive-dev-session=false', ...vars,
  ], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', WRANGLER_SEND_METRICS: 'false', CI: 'true' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { if (stderr.length < 4000) stderr += d.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) await new Promise<void>((r) => { child.once('exit', () => r()); child.kill('SIGTERM'); });
    rmSync(state, { recursive: true, force: true });
  };
  // Ready when it answers; the first answer also migrates the local D1 and builds the isolate's
  // composition, so that cost is not measured.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) { await stop(); throw new Error(`wrangler dev not ready in 60 s: ${stderr}`); }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { name: 'workers', url, stop };
}

async function setup(shape: Shape, plan: string) {
  const org = await api(shape.url, 'POST', '/v1/orgs', OPERATOR, { name: `bench-${shape.name}`, plan });
  if (org.status !== 201) throw new Error(`${shape.name}: creating the org answered ${org.status} ${JSON.stringify(org.body)}`);
  const key = org.body.api_key as string;
  const a = await api(shape.url, 'POST', '/v1/inboxes', key, { username: 'edge-sender' });
  const b = await api(shape.url, 'POST', '/v1/inboxes', key, { username: 'edge-receiver' });
  if (a.status !== 201 || b.status !== 201) throw new Error(`${shape.name}: inboxes answered ${a.status}/${b.status}`);
  return { key, from: a.body.id as string, to: b.body.address as string };
}

interface Figures { rate: number; p50: number; p99: number; byStatus: Record<number, number>; headers: boolean }

function figures(r: LoadResult, headers: boolean): Figures {
  return { rate: r.count / r.seconds, p50: percentile(r.latenciesMs, 50), p99: percentile(r.latenciesMs, 99), byStatus: r.byStatus, headers };
}

async function storm(shape: Shape): Promise<Figures> {
  const { key } = await setup(shape, 'free');
  let withFields = 0;
  let refusals = 0;
  const r = await closedLoop({
    url: shape.url, connections: STORM_CONNECTIONS, seconds: SECONDS, maxRequests: MAX_REQUESTS,
    request: () => ({ method: 'GET', path: '/v1/inboxes?limit=1', headers: { authorization: `Bearer ${key}` } }),
    onResponse: (_i, status, body) => {
      if (status !== 429) return;
      refusals++;
      if (body.includes('"rule"')) withFields++;
    },
  });
  return figures(r, refusals > 0 && withFields === refusals);
}

async function sends(shape: Shape): Promise<Figures> {
  const { key, from, to } = await setup(shape, 'unlimited');
  const tag = Math.random().toString(36).slice(2, 8);
  const failures = new Map<string, number>();
  const r = await closedLoop({
    url: shape.url, connections: SEND_CONNECTIONS, seconds: SECONDS, maxRequests: MAX_REQUESTS,
    request: (i) => ({
      method: 'POST', path: `/v1/inboxes/${from}/messages`,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': `edge-${tag}-${i}` },
      body: JSON.stringify({ to: [to], subject: `edge ${i}`, text: `message ${i} ${'lorem ipsum '.repeat(40)}` }),
    }),
    onResponse: (_i, status, body) => {
      if (status >= 500) failures.set(body.slice(0, 200), (failures.get(body.slice(0, 200)) ?? 0) + 1);
    },
  });
  for (const [body, n] of failures) console.log(`  ${shape.name}: ${n} × ${body}`);
  return figures(r, true);
}

async function run<T>(start: () => Promise<Shape>, work: (s: Shape) => Promise<T>): Promise<T> {
  const shape = await start();
  try {
    return await work(shape);
  } finally {
    await shape.stop();
  }
}

function row(workload: string, shape: string, f: Figures) {
  const ok = Object.entries(f.byStatus).map(([s, n]) => `${s}:${n}`).join(' ');
  return { workload, shape, 'req/s': fmt(f.rate), 'p50 ms': fmt(f.p50, 1), 'p99 ms': fmt(f.p99, 1), statuses: ok };
}

async function main() {
  console.log(`bench:edge — ${SECONDS} s per run, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const nodeStorm = await run(() => startNode({}), storm);
  const edgeStorm = await run(() => startWorkers({}), storm);
  const nodeSend = await run(() => startNode(LIFTED), sends);
  const edgeSend = await run(() => startWorkers(LIFTED), sends);
  console.log(table([
    row(`429 path (${STORM_CONNECTIONS} conns)`, 'node', nodeStorm),
    row('', 'workers (workerd)', edgeStorm),
    row(`full send (${SEND_CONNECTIONS} conns)`, 'node', nodeSend),
    row('', 'workers (workerd)', edgeSend),
  ]));
  console.log(`429 path: workers/node rate ${fmt(edgeStorm.rate / nodeStorm.rate, 2)}, p99 ${fmt(edgeStorm.p99 / nodeStorm.p99, 2)}× `
    + `(every 429 carried its rule: node ${nodeStorm.headers}, workers ${edgeStorm.headers})`);
  console.log(`full send: workers/node rate ${fmt(edgeSend.rate / nodeSend.rate, 2)}, p99 ${fmt(edgeSend.p99 / nodeSend.p99, 2)}×`);
}

main().catch((err: unknown) => {
  console.error(`bench:edge failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
