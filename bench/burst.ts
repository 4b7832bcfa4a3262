// npm run bench:burst — the rogue-agent storm of issue 4, in one run (~50 s):
//   1. calm:     org B's agent sends 4/s for 10 s, alone (its latency without a storm);
//   2. baseline: the load generator hammers a bare Hono app that answers every request with the
//                same 429 Breakwater gives (same body and headers), 100 connections, 10 s;
//   3. storm:    the load generator fires org A's sends at Breakwater from 100 connections for
//                10 s, each with a fresh Idempotency-Key and body (so loop detection stays out:
//                the rate limiter has to stop it), while B keeps sending 4/s.
// Before the phases, each server gets a warm-up that is not measured (printed as such): Breakwater
// 3 s of the same traffic from a third org (100 connections of refused sends, and sends at 4/s),
// the bare app 3 s of the same 100 connections. A server that has been running is warm; without
// it, both the calm and the storm phase would measure V8 compiling the paths as well.
// Breakwater runs as `node bin/breakwater.js start` with the DESIGN §5 limits; the load generator
// and the baseline are separate processes, so no two of them share an event loop. 127.0.0.1 only.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { BareAnswer } from './lib/bare-429.ts';
import { api, startBreakwater, type BreakwaterProcess } from './lib/spawn.ts';
import { fmt, percentile, table } from './lib/stats.ts';
import { steadySends, type SteadyResult } from './lib/steady-sender.ts';
import type { StormJob, StormResult } from './lib/storm-loadgen.ts';

const ROOT = resolve(import.meta.dirname, '..');
const LIB = join(ROOT, 'bench/lib');
const STORM_MS = 10_000;
const CALM_MS = 10_000;
const BASELINE_MS = 10_000;
/** Unmeasured traffic before the phases, the same for Breakwater and the bare app. */
const WARM_UP_MS = 3_000;
const CONNECTIONS = 100;
const B_PER_SECOND = 4;
/** Far above what 10 s can reach on this machine; keeps the loop bounded in count as well as time. */
const MAX_REQUESTS = 5_000_000;
/** DESIGN §5, spelled out so a changed default cannot silently change the bench. */
const LIMITS = { key: { rate: 20, burst: 40 }, inboxSend: { rate: 5, burst: 10 } };

/** A TypeScript child with an IPC channel; tsx transpiles it once at start. */
function forkTs(file: string): ChildProcess {
  return fork(join(LIB, file), [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function exchange<T>(child: ChildProcess, message: unknown, timeoutMs: number): Promise<T> {
  return new Promise((resolveAnswer, reject) => {
    const timer = setTimeout(() => reject(new Error(`child ${child.pid} did not answer in ${timeoutMs} ms`)), timeoutMs);
    child.once('message', (m) => { clearTimeout(timer); resolveAnswer(m as T); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`child ${child.pid} exited with ${code}`)); });
    child.send(message as object);
  });
}

/**
 * A fresh generator process, once loaded. tsx transpiles it at start (~1 s of CPU here): started
 * beside B's sender, that would land on B's first storm samples as a third process on 2 cores.
 */
async function generator(): Promise<ChildProcess> {
  const gen = forkTs('storm-loadgen.ts');
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`load generator ${gen.pid} did not start in 20 s`)), 20_000);
    gen.once('message', () => { clearTimeout(timer); resolveReady(); });
    gen.once('exit', (code) => { clearTimeout(timer); reject(new Error(`load generator exited with ${code}`)); });
  });
  return gen;
}

/** One load run from a fresh generator process (started here unless given, loaded either way). */
async function storm(job: StormJob, ready?: ChildProcess): Promise<StormResult> {
  const gen = ready ?? (await generator());
  try {
    return await exchange<StormResult>(gen, job, job.durationMs + 20_000);
  } finally {
    if (gen.exitCode === null) gen.kill();
  }
}

/** utime + stime of a process, in ms (USER_HZ is 100 on Linux). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * The main thread's time on a CPU and waiting for one (runqueue), in ms, from schedstat. On a
 * 2-core machine the load generator, B's client and the server share the cores: the wait says
 * how much of a phase the server spent ready to run but not running.
 */
function schedMs(pid: number): { onCpu: number; waiting: number } {
  const [onCpu, waiting] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
  return { onCpu: onCpu! / 1e6, waiting: waiting! / 1e6 };
}

function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

interface SqlCounts {
  pid: number;
  seq: number;
  total: number;
  /** ms the main thread spent inside SQLite calls. */
  totalMs: number;
  bySql: Record<string, number>;
  msBySql: Record<string, number>;
  /** Event-loop delay since the previous report. */
  loopMs: { p50: number; p99: number; max: number };
}

/** Asks the server's preloaded counter (sql-count-preload.mjs) for its counts, by SIGUSR2. */
async function sqlCounts(pid: number, file: string): Promise<SqlCounts> {
  const read = (): SqlCounts | null => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as SqlCounts;
    } catch {
      return null;
    }
  };
  const before = read()?.seq ?? -1;
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 200; i++) {
    const now = read();
    if (now && now.seq > before) return now;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the server did not report its SQL counts');
}

function diffSql(a: SqlCounts, b: SqlCounts): { total: number; ms: number; bySql: Array<[string, number, number]> } {
  const bySql = Object.entries(b.bySql)
    .map(([sql, n]) => [sql, n - (a.bySql[sql] ?? 0), (b.msBySql[sql] ?? 0) - (a.msBySql[sql] ?? 0)] as [string, number, number])
    .filter(([, n]) => n > 0);
  return { total: b.total - a.total, ms: b.totalMs - a.totalMs, bySql: bySql.sort((x, y) => y[1] - x[1]) };
}

async function setUpOrg(bw: BreakwaterProcess, name: string): Promise<{ key: string; orgId: string; inboxId: string }> {
  const org = await api(bw.url, 'POST', '/v1/orgs', bw.operatorToken, { name, plan: 'pro' });
  if (org.status !== 201) throw new Error(`create org: ${org.status} ${JSON.stringify(org.body)}`);
  const inbox = await api(bw.url, 'POST', '/v1/inboxes', org.body.api_key, { username: name });
  if (inbox.status !== 201) throw new Error(`create inbox: ${inbox.status} ${JSON.stringify(inbox.body)}`);
  return { key: org.body.api_key, orgId: org.body.org.id, inboxId: inbox.body.id };
}

/** The 429 an empty key bucket gives a send, exactly as the storm will see it. */
async function captureRefusal(bw: BreakwaterProcess, c: { key: string; inboxId: string }): Promise<BareAnswer> {
  const send = () => fetch(`${bw.url}/v1/inboxes/${c.inboxId}/messages`, {
    method: 'POST', body: `{"to":["x@example.com"],"subject":"s","text":"${Math.random()}"}`,
    headers: { authorization: `Bearer ${c.key}`, 'content-type': 'application/json', 'idempotency-key': String(Math.random()) },
  });
  for (let attempt = 0; attempt < 5; attempt++) {
    // Twice a burst at once, the send among them: the bucket is empty whatever refills meanwhile.
    const [res] = await Promise.all([send(), ...Array.from({ length: LIMITS.key.burst * 2 }, () => api(bw.url, 'GET', '/v1/inboxes', c.key))]);
    const body = await res.text();
    if (res.status !== 429) continue;
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'x-request-id', 'ratelimit-policy', 'ratelimit', 'retry-after']) headers[name] = res.headers.get(name) ?? '';
    return { body, headers };
  }
  throw new Error('could not capture a 429 to serve from the baseline');
}

const summary = (r: SteadyResult) => ({
  n: r.latenciesMs.length, ok: r.byStatus[202] ?? 0,
  p50: percentile(r.latenciesMs, 50), p99: percentile(r.latenciesMs, 99), max: Math.max(...r.latenciesMs),
});

async function main() {
  const started = performance.now();
  console.log(`bench:burst — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const scratch = mkdtempSync(join(tmpdir(), 'bw-burst-'));
  const countFile = join(scratch, 'sql-counts.json');
  const bare = forkTs('bare-429.ts');
  let bw: BreakwaterProcess | null = null;
  try {
    bw = await startBreakwater({
      BREAKWATER_KEY_RATE: String(LIMITS.key.rate), BREAKWATER_KEY_BURST: String(LIMITS.key.burst),
      BREAKWATER_INBOX_SEND_RATE: String(LIMITS.inboxSend.rate), BREAKWATER_INBOX_SEND_BURST: String(LIMITS.inboxSend.burst),
      NODE_OPTIONS: `--import ${join(LIB, 'sql-count-preload.mjs')}`, BENCH_SQL_COUNT_FILE: countFile,
    });
    const pid = bw.child.pid!;
    const a = await setUpOrg(bw, 'rogue');
    const b = await setUpOrg(bw, 'steady');
    const sampler = await setUpOrg(bw, 'sampler');
    const sample = await captureRefusal(bw, sampler);
    const { port: barePort } = await exchange<{ port: number }>(bare, sample, 20_000);
    const barePid = bare.pid!;
    const tag = `${Date.now().toString(36)}`;

    console.log(`warm-up (not measured): ${WARM_UP_MS / 1000} s of the storm's traffic from a third org (${CONNECTIONS} connections, sends at ${B_PER_SECOND}/s), before both phases`);
    await Promise.all([
      storm({ port: Number(new URL(bw.url).port), connections: CONNECTIONS, durationMs: WARM_UP_MS, maxRequests: MAX_REQUESTS, path: `/v1/inboxes/${sampler.inboxId}/messages`, auth: sampler.key, tag: `${tag}-warm` }),
      steadySends({ url: bw.url, key: sampler.key, inboxId: sampler.inboxId, perSecond: B_PER_SECOND, durationMs: WARM_UP_MS, tag: `${tag}-warm` }),
    ]);

    console.log(`phase 1/3: calm — B sends ${B_PER_SECOND}/s for ${CALM_MS / 1000} s`);
    const sqlCalm0 = await sqlCounts(pid, countFile);
    const calm = await steadySends({ url: bw.url, key: b.key, inboxId: b.inboxId, perSecond: B_PER_SECOND, durationMs: CALM_MS, tag: `${tag}-calm` });
    const sqlCalm1 = await sqlCounts(pid, countFile);

    console.log(`warm-up (not measured): bare Hono, ${CONNECTIONS} connections for ${WARM_UP_MS / 1000} s`);
    await storm({ port: barePort, connections: CONNECTIONS, durationMs: WARM_UP_MS, maxRequests: MAX_REQUESTS, path: `/v1/inboxes/${a.inboxId}/messages`, auth: a.key, tag: `${tag}-bare-warm` });
    console.log(`phase 2/3: baseline — bare Hono answering the same 429, ${CONNECTIONS} connections, ${BASELINE_MS / 1000} s`);
    const bareCpu0 = cpuMs(barePid);
    const bareSched0 = schedMs(barePid);
    const baseline = await storm({ port: barePort, connections: CONNECTIONS, durationMs: BASELINE_MS, maxRequests: MAX_REQUESTS, path: `/v1/inboxes/${a.inboxId}/messages`, auth: a.key, tag: `${tag}-bare` });
    const bareCpu = cpuMs(barePid) - bareCpu0;
    const bareSched1 = schedMs(barePid);

    console.log(`phase 3/3: storm — A from ${CONNECTIONS} connections for ${STORM_MS / 1000} s, B at ${B_PER_SECOND}/s throughout`);
    // Loaded before the clock starts, so the storm and B's sends begin together on a ready generator.
    const rogueGen = await generator();
    const sql0 = await sqlCounts(pid, countFile);
    const mem0 = memoryMb(pid);
    const cpu0 = cpuMs(pid);
    const sched0 = schedMs(pid);
    const [rogue, steady] = await Promise.all([
      storm({ port: Number(new URL(bw.url).port), connections: CONNECTIONS, durationMs: STORM_MS, maxRequests: MAX_REQUESTS, path: `/v1/inboxes/${a.inboxId}/messages`, auth: a.key, tag: `${tag}-storm` }, rogueGen),
      steadySends({ url: bw.url, key: b.key, inboxId: b.inboxId, perSecond: B_PER_SECOND, durationMs: STORM_MS, tag: `${tag}-storm` }),
    ]);
    const serverCpu = cpuMs(pid) - cpu0;
    const sched1 = schedMs(pid);
    const mem1 = memoryMb(pid);
    const sql1 = await sqlCounts(pid, countFile);

    // Rows straight from the SQLite file (WAL: a reader beside the live writer is safe).
    const db = new Database(join(bw.dataDir, 'breakwater.db'), { readonly: true, fileMustExist: true });
    const rows = (orgId: string) => (db.prepare('select count(*) as n from messages where org_id = ?').get(orgId) as { n: number }).n;
    const aRows = rows(a.orgId);
    db.close();

    // ---- figures ----
    const aRate = rogue.responses / (rogue.elapsedMs / 1000);
    const bareRate = baseline.responses / (baseline.elapsedMs / 1000);
    const aAccepted = rogue.byOutcome['202 key'] ?? 0;
    const aRejected = rogue.responses - aAccepted;
    const stormSeconds = rogue.elapsedMs / 1000;
    const rowBound = Math.min(LIMITS.inboxSend.burst + LIMITS.inboxSend.rate * stormSeconds, LIMITS.key.burst + LIMITS.key.rate * stormSeconds);
    const calmB = summary(calm);
    const stormB = summary(steady);
    const calmSql = diffSql(sqlCalm0, sqlCalm1);
    const stormSql = diffSql(sql0, sql1);
    const perSend = calmSql.total / Math.max(1, calmB.ok);
    const accepted = aAccepted + stormB.ok;
    const beyondAccepted = Math.max(0, stormSql.total - accepted * perSend);
    const keyLookups = stormSql.bySql.filter(([s]) => /from "api_keys"/.test(s)).reduce((n, [, c]) => n + c, 0);
    // The key cache trusts a verified key for 30 s (KeyVerifier ttlMs): one lookup per key in use
    // per 30 s is the design; one per request would be the bug.
    const lookupBound = 2 * Math.ceil(1 + stormSeconds / 30);
    const inboxRefusals = rogue.byOutcome['429 inbox-send'] ?? 0;
    const keyRefusals = rogue.byOutcome['429 key'] ?? 0;
    // Inbox-send refusals read the inbox and the idempotency record first (2 statements each).
    const perKeyRefusal = (stormSql.total - accepted * perSend - 2 * inboxRefusals) / Math.max(1, keyRefusals);
    const rssGrowth = mem1.rss - mem0.rss;
    const ok = (pass: boolean) => (pass ? 'yes' : 'NO');

    console.log('\nA (rogue) answers by status and RateLimit-Policy:', JSON.stringify(rogue.byOutcome), `errors ${rogue.errors}, reconnects ${rogue.reconnects}`);
    console.log('A per second:', rogue.perSecond.join(' '));
    console.log('bare Hono per second:', baseline.perSecond.join(' '));
    console.log('B during storm by status:', JSON.stringify(steady.byStatus), '— calm:', JSON.stringify(calm.byStatus));
    for (const f of [...calm.failures, ...steady.failures]) console.log(`  B not accepted: ${f}`);
    console.log(`\nSQL statements the server ran during the storm: ${stormSql.total} (${fmt(stormSql.total / stormSeconds, 1)}/s), by statement:`);
    console.log('    count  main-thread ms  statement');
    for (const [s, n, ms] of stormSql.bySql.slice(0, 12)) console.log(`  ${String(n).padStart(7)}  ${fmt(ms, 1).padStart(14)}  ${s.length > 100 ? `${s.slice(0, 97)}...` : s}`);
    console.log(`calm phase: ${calmSql.total} statements for ${calmB.ok} accepted sends (${fmt(perSend, 1)} per send, delivery worker included)`);

    console.log(`\n${table([
      { figure: 'A request rate (req/s)', value: fmt(aRate), target: '', ok: '' },
      { figure: 'bare Hono same 429 (req/s)', value: fmt(bareRate), target: '', ok: '' },
      { figure: 'A rate / bare Hono', value: fmt(aRate / bareRate, 2), target: '≥ 0.7', ok: ok(aRate / bareRate >= 0.7) },
      { figure: 'server CPU per A request (µs)', value: fmt((serverCpu * 1000) / rogue.responses, 1), target: '', ok: '' },
      { figure: 'bare Hono CPU per request (µs)', value: fmt((bareCpu * 1000) / baseline.responses, 1), target: '', ok: '' },
      { figure: 'server CPU busy during storm', value: `${fmt((100 * serverCpu) / rogue.elapsedMs)} %`, target: '', ok: '' },
      { figure: 'main thread on a CPU / waiting for one: storm', value: `${fmt((100 * (sched1.onCpu - sched0.onCpu)) / rogue.elapsedMs)} % / ${fmt((100 * (sched1.waiting - sched0.waiting)) / rogue.elapsedMs)} %`, target: '', ok: '' },
      { figure: 'main thread on a CPU / waiting for one: bare', value: `${fmt((100 * (bareSched1.onCpu - bareSched0.onCpu)) / baseline.elapsedMs)} % / ${fmt((100 * (bareSched1.waiting - bareSched0.waiting)) / baseline.elapsedMs)} %`, target: '', ok: '' },
      { figure: 'load generator CPU busy (storm / bare)', value: `${fmt((100 * rogue.cpuMs) / rogue.elapsedMs)} % / ${fmt((100 * baseline.cpuMs) / baseline.elapsedMs)} %`, target: '', ok: '' },
      { figure: 'A accepted (202) / rejected', value: `${aAccepted} / ${aRejected}`, target: '', ok: '' },
      { figure: 'rows written for A', value: String(aRows), target: `≤ ${fmt(rowBound)} (+1)`, ok: ok(aRows <= rowBound + 1 && aRows === aAccepted) },
      { figure: 'B success during storm', value: `${fmt((100 * stormB.ok) / stormB.n, 1)} % (${stormB.ok}/${stormB.n})`, target: '100 %', ok: ok(stormB.ok === stormB.n && stormB.n > 0) },
      { figure: 'B p50 / p99 / max, calm (ms)', value: `${fmt(calmB.p50, 1)} / ${fmt(calmB.p99, 1)} / ${fmt(calmB.max, 1)}`, target: '', ok: '' },
      { figure: 'B p50 / p99 / max, storm (ms)', value: `${fmt(stormB.p50, 1)} / ${fmt(stormB.p99, 1)} / ${fmt(stormB.max, 1)}`, target: '', ok: '' },
      { figure: 'B p99 storm / calm', value: fmt(stormB.p99 / calmB.p99, 2), target: '≤ 2', ok: ok(stormB.p99 / calmB.p99 <= 2) },
      { figure: 'server main thread inside SQLite, storm', value: `${fmt(stormSql.ms)} ms (${fmt((100 * stormSql.ms) / rogue.elapsedMs, 1)} % of it)`, target: '', ok: '' },
      { figure: 'event-loop delay p99 / max, calm (ms)', value: `${fmt(sqlCalm1.loopMs.p99, 1)} / ${fmt(sqlCalm1.loopMs.max, 1)}`, target: '', ok: '' },
      { figure: 'event-loop delay p99 / max, storm (ms)', value: `${fmt(sql1.loopMs.p99, 1)} / ${fmt(sql1.loopMs.max, 1)}`, target: '', ok: '' },
      { figure: 'server RSS before → after (MB)', value: `${fmt(mem0.rss)} → ${fmt(mem1.rss)} (peak ${fmt(mem1.peak)})`, target: '', ok: '' },
      { figure: 'RSS growth during storm (MB)', value: fmt(rssGrowth, 1), target: '< 100', ok: ok(rssGrowth < 100) },
      { figure: 'key lookups (api_keys) during storm', value: String(keyLookups), target: `≤ ${lookupBound} (2 keys, 30 s TTL)`, ok: ok(keyLookups <= lookupBound) },
      { figure: 'SQL per rejected request, upper bound', value: fmt(stormSql.total / Math.max(1, aRejected), 4), target: '', ok: '' },
      { figure: 'SQL per rejected request, beyond accepted', value: fmt(beyondAccepted / Math.max(1, aRejected), 4), target: '', ok: '' },
      { figure: 'SQL per key-bucket refusal (estimate)', value: fmt(Math.max(0, perKeyRefusal), 4), target: '0', ok: ok(perKeyRefusal < 0.001) },
    ])}`);
    console.log(`
How "store queries per rejected request" is measured: the server runs with a preloaded counter
(bench/lib/sql-count-preload.mjs) that wraps better-sqlite3's Statement run/get/all/iterate, so
every SQL statement the process executes is counted by its text (with the time the main thread
spent in it: better-sqlite3 is synchronous, so that time, commits' fsync included, stalls every
request of the process, refused ones too). "Upper bound" divides every
statement of the storm window (B's sends, A's accepted sends, the delivery worker, everything) by
A's rejected requests. "Beyond accepted" first subtracts what the accepted sends cost in the calm
phase (${fmt(perSend, 1)} statements per send, delivery included). Of A's rejections, the "429 key" ones
are refused before the body is read and run no statement; the "429 inbox-send" ones pass the key
bucket and are refused by the inbox bucket after reading the inbox and the idempotency record
(2 statements each, visible in the list above); the estimate for key-bucket refusals subtracts
those too, and can come out slightly negative (accepted sends vary in cost), shown as 0.
total run ${fmt((performance.now() - started) / 1000, 1)} s, load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await bw?.stop();
    if (bare.connected) bare.disconnect();
    if (bare.exitCode === null) bare.kill();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
