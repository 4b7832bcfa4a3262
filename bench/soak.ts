/**
 * `npm run soak` (tsx bench/soak.ts): SOAK_MINUTES (default 10) of mixed traffic against one real
 * single-node server, to show that memory and latency do not drift and that nothing is lost.
 *   good agents  SOAK_AGENTS (4) inbox-scoped keys, each once a second in turn: a send (to the next
 *                agent's hosted inbox, or to an outside address through the relay sink), a list of
 *                its inbox, a read of its last sent message; plus a long-poll (`after`, `wait=10`)
 *                that follows its inbox
 *   inbound      1 SMTP message/s from outside to the agents' inboxes (connection reused 30 times)
 *   webhooks     one endpoint for `message.received` on a local receiver that verifies signatures
 *   storm agent  SOAK_STORM_RPS (2000) requests in a burst each second from 8 connections, half
 *                sends with fresh bodies, half lists: nearly all 429
 *   loop agent   the same send twice a second: loop_detected, then a quarantine
 * Warm-up first, the same traffic: at least 2 minutes and until the database file is a quarter
 * past SQLite's page cache (SOAK_SQLITE_CACHE_MB, 16, passed to the server), so that cache is full;
 * at most 10 minutes. Then SOAK_MINUTES measured minutes.
 * Every SOAK_SAMPLE_SECONDS (60) one line: server RSS (the mean of readings every 5 s) split into
 * anonymous and file-backed, heap, database size, event-loop lag p99 (from /metrics), the good
 * agents' p50/p99 (sends and reads; not the long-polls), statuses per agent kind.
 * At the end: least-squares slopes over the measured minutes (RSS over every 5-s reading), verdicts
 * against the stated thresholds, and the correctness totals over the whole run. Exit code 1 when a
 * verdict fails.
 * Bounded: the traffic stops at SOAK_MINUTES, the drain after 120 s; 127.0.0.1 only.
 */
import { statSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { closedLoop } from './lib/http-load.ts';
import { BenchSmtpClient } from './lib/smtp-client.ts';
import { startRelaySink, startWebhookReceiver } from './lib/soak-sinks.ts';
import { api, startBreakwater, type ResidentMemory } from './lib/spawn.ts';
import { fmt, percentile, table } from './lib/stats.ts';
import { addCounts, counts, median, slope } from './lib/trend.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const SAMPLE_S = Number(process.env.SOAK_SAMPLE_SECONDS ?? 60);
const AGENTS = Number(process.env.SOAK_AGENTS ?? 4);
const STORM_RPS = Number(process.env.SOAK_STORM_RPS ?? 2000);
const SMTP_PER_S = 1;
const DRAIN_MS = 120_000;
/** SQLite's page cache the server runs with (BREAKWATER_SQLITE_CACHE_MB; the product's default). */
const SQLITE_CACHE_MB = Number(process.env.SOAK_SQLITE_CACHE_MB ?? 16);
/**
 * Warm-up before the measured minutes: at least WARMUP_MIN_MS, and until the database file is
 * past SQLite's page cache by a quarter, so that cache (the largest memory that fills and then
 * holds) is full before the trend is judged; never more than WARMUP_MAX_MS.
 */
const WARMUP_MIN_MS = 2 * 60_000;
const WARMUP_MAX_MS = 10 * 60_000;
/** Resident memory is read this often; a minute's figure is the mean of its readings. */
const MEMORY_EVERY_MS = 5_000;
/** Verdict thresholds, stated up front. */
const RSS_SLOPE_MAX_MB_MIN = 1;
/** p99 drift over the measured span must stay under this share of the median minute's p99, or 5 ms. */
const P99_DRIFT_SHARE = 0.25;
const P99_DRIFT_FLOOR_MS = 5;

const durationMs = MINUTES * 60_000;
const guard = setTimeout(() => {
  console.error('soak: over time, giving up');
  process.exit(2);
}, WARMUP_MAX_MS + durationMs + DRAIN_MS + 120_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** What one sampling window saw. */
interface Window {
  goodMs: number[];
  good: Record<string, number>;
  poll: Record<string, number>;
  storm: Record<string, number>;
  loop: Record<string, number>;
  smtpOk: number;
  smtpFail: number;
}
const newWindow = (): Window => ({ goodMs: [], good: {}, poll: {}, storm: {}, loop: {}, smtpOk: 0, smtpFail: 0 });
let win = newWindow();
const bump = (c: Record<string, number>, status: number) => { c[status] = (c[status] ?? 0) + 1; };

/** One keep-alive HTTP call; status 0 for a network error or no answer within `timeoutMs`. */
function call(agent: http.Agent, base: URL, method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 15_000) {
  return new Promise<{ status: number; text: string; ms: number }>((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const t0 = performance.now();
    const req = http.request({
      host: base.hostname, port: base.port, method, path, agent,
      headers: { authorization: `Bearer ${key}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, ms: performance.now() - t0 }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, text: '', ms: performance.now() - t0 }));
    req.end(payload);
  });
}

/** Sums every series of one metric in a Prometheus exposition; NaN when absent. */
function metric(text: string, name: string): number {
  let sum = NaN;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'gm'))) sum = (Number.isNaN(sum) ? 0 : sum) + Number(m[1]);
  return sum;
}

async function main() {
  console.log(`soak — ${MINUTES} min, sample every ${SAMPLE_S} s, ${AGENTS} good agents, storm ${STORM_RPS} req/s, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const sink = await startRelaySink();
  const receiver = await startWebhookReceiver();
  const bw = await startBreakwater({ BREAKWATER_SMTP_RELAY: `smtp://127.0.0.1:${sink.port}`, BREAKWATER_WEBHOOK_ALLOW_PRIVATE: 'true', BREAKWATER_LOG_LEVEL: 'warn', BREAKWATER_SQLITE_CACHE_MB: String(SQLITE_CACHE_MB) });
  const base = new URL(bw.url);
  let stopped = false;
  const pending = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>) => { pending.add(p); void p.finally(() => pending.delete(p)); return p; };
  try {
    // ---- set-up: one org, an inbox and an inbox-scoped key per agent, one webhook endpoint.
    const org = await api(bw.url, 'POST', '/v1/orgs', bw.operatorToken, { name: 'soak', plan: 'unlimited' });
    const orgKey = org.body.api_key as string;
    const makeAgent = async (name: string) => {
      const inbox = await api(bw.url, 'POST', '/v1/inboxes', orgKey, { username: name });
      const key = await api(bw.url, 'POST', '/v1/keys', orgKey, { name, scopes: ['inbox'], inbox_ids: [inbox.body.id] });
      if (inbox.status !== 201 || key.status !== 201) throw new Error(`set-up ${name}: ${inbox.status} ${key.status}`);
      return { id: inbox.body.id as string, address: inbox.body.address as string, key: key.body.api_key as string };
    };
    const agents: Array<Awaited<ReturnType<typeof makeAgent>>> = [];
    for (let a = 0; a < AGENTS; a++) agents.push(await makeAgent(`agent-${a}`));
    const storm = await makeAgent('storm');
    const looper = await makeAgent('looper');
    const hook = await api(bw.url, 'POST', '/v1/webhooks', orgKey, { url: receiver.url, events: ['message.received'] });
    if (hook.status !== 201) throw new Error(`webhook: ${hook.status} ${JSON.stringify(hook.body)}`);
    receiver.setSecret(hook.body.secret as string);

    // ---- what must arrive: relay-sink ids, and subjects of mail to hosted inboxes.
    const remoteExpected = new Set<string>();
    let loopAccepted = 0;
    const localExpected = new Map<string, number>(); // subject → agent index
    const seenByPoll = new Set<string>();
    const t0 = Date.now();
    // Moved once the warm-up is over: then the measured minutes start.
    let end = t0 + WARMUP_MAX_MS + durationMs;
    let warmEnd: number | null = null;

    // ---- good agents: open loop, three steps a second (send, list, read), phases spread.
    const goodAgent = async (a: number) => {
      const me = agents[a]!;
      const peer = agents[(a + 1) % AGENTS]!;
      const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
      let lastSent: string | null = null;
      for (let k = 0; ; k++) {
        const at = t0 + (a * 1000) / AGENTS + (k * 1000) / 3;
        if (at >= end) break;
        await sleep(at - Date.now());
        const step = k % 3;
        const n = Math.floor(k / 3);
        track((async () => {
          let r;
          if (step === 0) {
            const local = n % 2 === 1;
            const id = `good-${a}-${n}`;
            const subject = `soak ${local ? 'local' : 'remote'} ${a} ${n}`;
            r = await call(agent, base, 'POST', `/v1/inboxes/${me.id}/messages`, me.key, {
              to: [local ? peer.address : `partner@d${a}.example.com`], subject, text: `message ${n} from agent ${a}`, headers: { 'X-Soak-Id': id },
            }, { 'idempotency-key': id });
            if (r.status === 202) {
              lastSent = JSON.parse(r.text).id as string;
              if (local) localExpected.set(subject, (a + 1) % AGENTS);
              else remoteExpected.add(id);
            }
          } else if (step === 1) {
            r = await call(agent, base, 'GET', `/v1/inboxes/${me.id}/messages?limit=10`, me.key);
          } else {
            if (!lastSent) return;
            r = await call(agent, base, 'GET', `/v1/messages/${lastSent}`, me.key);
          }
          win.goodMs.push(r.ms);
          bump(win.good, r.status);
        })());
      }
      await Promise.allSettled([...pending]);
      agent.destroy();
    };

    // ---- each good agent also follows its inbox with a long-poll; it keeps going through the drain.
    const pollAgent = async (a: number) => {
      const me = agents[a]!;
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      let after: string | null = null;
      while (!stopped) {
        const q = `direction=inbound&limit=100&wait=10${after ? `&after=${after}` : ''}`;
        const r = await call(agent, base, 'GET', `/v1/inboxes/${me.id}/messages?${q}`, me.key, undefined, {}, 45_000);
        bump(win.poll, r.status);
        if (r.status !== 200) {
          await sleep(1000);
          continue;
        }
        const data = (JSON.parse(r.text) as { data: Array<{ id: string; subject: string }> }).data;
        for (const m of data) seenByPoll.add(m.subject);
        // Without `after` the page is newest first; with it, oldest first.
        if (data.length > 0) after = after ? data[data.length - 1]!.id : data[0]!.id;
      }
      agent.destroy();
    };

    // ---- inbound SMTP from outside, paced, to the agents' inboxes in turn.
    const smtpAgent = async () => {
      let client: BenchSmtpClient | null = null;
      let onConn = 0;
      for (let n = 0; ; n++) {
        const at = t0 + 500 + (n * 1000) / SMTP_PER_S;
        if (at >= end) break;
        await sleep(at - Date.now());
        const to = agents[n % AGENTS]!;
        const subject = `soak smtp ${n}`;
        const raw = [
          'From: Outside <outside@example.net>', `To: ${to.address}`, `Subject: ${subject}`, `Message-ID: <soak-smtp-${n}-${t0}@example.net>`,
          `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `Inbound message ${n}.`, '',
        ].join('\r\n');
        try {
          if (!client || onConn >= 30) {
            client?.close();
            client = await BenchSmtpClient.open(bw.smtpPort);
            onConn = 0;
          }
          await client.send('outside@example.net', to.address, raw);
          onConn++;
          localExpected.set(subject, n % AGENTS);
          win.smtpOk++;
        } catch {
          win.smtpFail++;
          client?.close();
          client = null;
        }
      }
      client?.close();
    };

    // ---- the storm: a burst of STORM_RPS requests each second, then quiet until the next.
    const stormAgent = async () => {
      for (let s = 0; ; s++) {
        const at = t0 + s * 1000;
        if (at >= end) break;
        await sleep(at - Date.now());
        const r = await closedLoop({
          url: bw.url, connections: 8, seconds: 1, maxRequests: STORM_RPS,
          request: (i): { method: string; path: string; headers: Record<string, string>; body?: string } => i % 2 === 0
            ? {
              method: 'POST', path: `/v1/inboxes/${storm.id}/messages`,
              headers: { authorization: `Bearer ${storm.key}`, 'content-type': 'application/json', 'idempotency-key': `storm-${s}-${i}` },
              body: JSON.stringify({ to: ['victim@storm.example.com'], subject: `storm ${s} ${i}`, text: `storm ${i}`, headers: { 'X-Soak-Id': `storm-${s}-${i}` } }),
            }
            : { method: 'GET', path: `/v1/inboxes/${storm.id}/messages`, headers: { authorization: `Bearer ${storm.key}` } },
          onResponse: (i, status) => { if (status === 202 && i % 2 === 0) remoteExpected.add(`storm-${s}-${i}`); },
        });
        addCounts(win.storm, r.byStatus);
      }
    };

    // ---- the loop agent: one request, repeated; only its body's fresh Idempotency-Key changes.
    const loopAgent = async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
      const body = { to: ['partner@loop.example.com'], subject: 'soak loop', text: 'the same message again', headers: { 'X-Soak-Id': 'loop' } };
      for (let k = 0; ; k++) {
        const at = t0 + 250 + k * 500;
        if (at >= end) break;
        await sleep(at - Date.now());
        const r = await call(agent, base, 'POST', `/v1/inboxes/${looper.id}/messages`, looper.key, body, { 'idempotency-key': `loop-${k}` });
        if (r.status === 202) loopAccepted++;
        bump(win.loop, r.status);
      }
      agent.destroy();
    };

    // ---- resident memory every MEMORY_EVERY_MS: the GC's and allocator's swings average out.
    type MemoryPoint = ResidentMemory & { at: number };
    const memory: MemoryPoint[] = [];
    const memoryWatch = async () => {
      for (let i = 1; ; i++) {
        const at = t0 + i * MEMORY_EVERY_MS;
        if (at > end + 500) break;
        await sleep(at - Date.now());
        memory.push({ at, ...bw.memory() });
      }
    };
    const dbMb = () => {
      try {
        return statSync(join(bw.dataDir, 'breakwater.db')).size / 2 ** 20;
      } catch {
        return NaN;
      }
    };
    const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

    // ---- the sampler: one line per window; it also ends the warm-up.
    interface Sample { minute: number; warmUp: boolean; rssMb: number; anonMb: number; fileMb: number; dbMb: number; heapMb: number; heapTotalMb: number; externalMb: number; lagMs: number; queue: number; w: Window }
    const samples: Sample[] = [];
    const metricsAgent = new http.Agent({ keepAlive: true });
    const sampler = async () => {
      for (let i = 1; ; i++) {
        const at = t0 + i * SAMPLE_S * 1000;
        if (at > end + 500) break;
        await sleep(at - Date.now());
        const w = win;
        win = newWindow();
        const m = await call(metricsAgent, base, 'GET', '/metrics', bw.operatorToken);
        const text = m.status === 200 ? m.text : '';
        const points = memory.filter((p) => p.at > at - SAMPLE_S * 1000 && p.at <= at);
        const s: Sample = {
          minute: (at - t0) / 60_000,
          warmUp: warmEnd === null,
          rssMb: mean(points.map((p) => p.rssMb)),
          anonMb: mean(points.map((p) => p.anonMb)),
          fileMb: mean(points.map((p) => p.fileMb)),
          dbMb: dbMb(),
          heapMb: metric(text, 'breakwater_nodejs_heap_size_used_bytes') / 2 ** 20,
          heapTotalMb: metric(text, 'breakwater_nodejs_heap_size_total_bytes') / 2 ** 20,
          externalMb: metric(text, 'breakwater_nodejs_external_memory_bytes') / 2 ** 20,
          lagMs: metric(text, 'breakwater_nodejs_eventloop_lag_p99_seconds') * 1000,
          queue: metric(text, 'breakwater_queue_depth'),
          w,
        };
        samples.push(s);
        console.log(`[${fmt(s.minute, 2)} min${s.warmUp ? ', warm-up' : ''}] rss ${fmt(s.rssMb, 1)} MB (anon ${fmt(s.anonMb, 1)}, file ${fmt(s.fileMb, 1)}), heap ${fmt(s.heapMb, 1)} of ${fmt(s.heapTotalMb, 1)} MB, external ${fmt(s.externalMb, 1)} MB, db ${fmt(s.dbMb, 1)} MB, lag p99 ${fmt(s.lagMs, 1)} ms, queue ${fmt(s.queue)} | `
          + `good n=${w.goodMs.length} p50 ${fmt(percentile(w.goodMs, 50), 1)} p99 ${fmt(percentile(w.goodMs, 99), 1)} ms ${counts(w.good)} | poll ${counts(w.poll)} | `
          + `smtp ${w.smtpOk} ok ${w.smtpFail} failed | storm ${counts(w.storm)} | loop ${counts(w.loop)}`);
        const elapsed = at - t0;
        if (warmEnd === null && ((elapsed >= WARMUP_MIN_MS && s.dbMb >= 1.25 * SQLITE_CACHE_MB) || elapsed >= WARMUP_MAX_MS)) {
          warmEnd = at;
          end = at + durationMs;
          console.log(`warm-up over after ${fmt(elapsed / 60_000, 2)} min (database ${fmt(s.dbMb, 1)} MB, page cache ${SQLITE_CACHE_MB} MB${elapsed >= WARMUP_MAX_MS ? ', at the warm-up limit' : ''}); ${MINUTES} measured minutes follow`);
        }
      }
    };

    const traffic = [
      ...agents.map((_, a) => goodAgent(a)), smtpAgent(), stormAgent(), loopAgent(), sampler(), memoryWatch(),
    ];
    const polls = agents.map((_, a) => pollAgent(a));
    await Promise.all(traffic);
    await Promise.allSettled([...pending]);

    // ---- drain: wait (bounded) for every accepted message at the sink, in an inbox and at the webhook.
    const remoteMissing = () => [...remoteExpected].filter((id) => !sink.arrivals.has(id));
    const pollMissing = () => [...localExpected.keys()].filter((s) => !seenByPoll.has(s));
    const hookMissing = () => [...localExpected.keys()].filter((s) => !receiver.bySubject.has(s));
    const drainStart = Date.now();
    while (Date.now() - drainStart < DRAIN_MS) {
      if (remoteMissing().length === 0 && (sink.arrivals.get('loop') ?? 0) >= loopAccepted && pollMissing().length === 0 && hookMissing().length === 0) break;
      await sleep(500);
    }
    const drainS = (Date.now() - drainStart) / 1000;
    stopped = true;
    await Promise.allSettled(polls);
    metricsAgent.destroy();

    // ---- report.
    const total = samples.reduce((t, s) => ({
      good: addCounts(t.good, s.w.good), poll: addCounts(t.poll, s.w.poll), storm: addCounts(t.storm, s.w.storm), loop: addCounts(t.loop, s.w.loop),
      smtpOk: t.smtpOk + s.w.smtpOk, smtpFail: t.smtpFail + s.w.smtpFail,
    }), { good: {}, poll: {}, storm: {}, loop: {}, smtpOk: 0, smtpFail: 0 } as Pick<Window, 'good' | 'poll' | 'storm' | 'loop' | 'smtpOk' | 'smtpFail'>);
    const fiveXx = [total.good, total.poll, total.storm, total.loop].reduce((n, c) => n + Object.entries(c).filter(([k]) => Number(k) >= 500).reduce((m, [, v]) => m + v, 0), 0);
    const errors = [total.good, total.poll, total.loop].reduce((n, c) => n + (c[0] ?? 0), 0);
    console.log('\n' + table(samples.map((s) => ({
      minute: `${fmt(s.minute, 2)}${s.warmUp ? ' (warm-up)' : ''}`, 'rss MB': fmt(s.rssMb, 1), 'heap MB': fmt(s.heapMb, 1), 'db MB': fmt(s.dbMb, 1), 'lag p99 ms': fmt(s.lagMs, 1),
      'good n': s.w.goodMs.length, 'p50 ms': fmt(percentile(s.w.goodMs, 50), 1), 'p99 ms': fmt(percentile(s.w.goodMs, 99), 1),
      storm: Object.values(s.w.storm).reduce((a, b) => a + b, 0), 'storm 429': s.w.storm[429] ?? 0,
    }))));

    // Trends over the measured minutes: RSS over every reading in them, latency over their windows.
    const measured = samples.filter((s) => !s.warmUp);
    const xs = measured.map((s) => s.minute);
    const p99s = measured.map((s) => percentile(s.w.goodMs, 99));
    const readings = memory.filter((p) => warmEnd !== null && p.at > warmEnd);
    const rssSlope = slope(readings.map((p) => (p.at - t0) / 60_000), readings.map((p) => p.rssMb));
    const heapSlope = slope(xs, measured.map((s) => s.heapMb));
    const p99Slope = slope(xs, p99s);
    const span = xs.length > 1 ? xs[xs.length - 1]! - xs[0]! : NaN;
    const p99Allowed = Math.max(P99_DRIFT_FLOOR_MS, P99_DRIFT_SHARE * median(p99s));
    const first = measured[0];
    const last = measured[measured.length - 1];
    const verdict = (ok: boolean) => (Number.isNaN(span) ? 'n/a (too few windows)' : ok ? 'PASS' : 'FAIL');
    const rssOk = rssSlope < RSS_SLOPE_MAX_MB_MIN;
    const p99Ok = p99Slope * span < p99Allowed;

    const remoteLost = remoteMissing();
    const remoteDup = [...remoteExpected].filter((id) => (sink.arrivals.get(id) ?? 0) > 1).length;
    const loopArrived = sink.arrivals.get('loop') ?? 0;
    const hookLost = hookMissing();
    const hookDup = [...localExpected.keys()].filter((s) => (receiver.bySubject.get(s) ?? 0) > 1).length;
    const pollLost = pollMissing();
    const correct = remoteLost.length === 0 && loopArrived >= loopAccepted && pollLost.length === 0 && hookLost.length === 0
      && receiver.badSignatures() === 0 && fiveXx === 0 && total.smtpFail === 0;

    console.log('\n' + table([
      { check: `RSS slope over the measured minutes (${readings.length} readings; < ${RSS_SLOPE_MAX_MB_MIN} MB/min)`, value: `${fmt(rssSlope, 2)} MB/min`, baseline: first && last ? `${fmt(first.rssMb, 1)} → ${fmt(last.rssMb, 1)} MB (min ${fmt(first.minute, 2)} → ${fmt(last.minute, 2)})` : '', verdict: verdict(rssOk) },
      // The heap's GC sawtooth is larger than a leak's slope over ten points: shown, not judged.
      { check: 'heap used slope over the measured minutes (information)', value: `${fmt(heapSlope, 2)} MB/min`, baseline: first && last ? `${fmt(first.heapMb, 1)} → ${fmt(last.heapMb, 1)} MB` : '', verdict: '' },
      { check: `good p99 slope (drift < max(${P99_DRIFT_FLOOR_MS} ms, ${P99_DRIFT_SHARE * 100} % of median p99))`, value: `${fmt(p99Slope, 2)} ms/min, drift ${fmt(p99Slope * span, 1)} ms of ${fmt(p99Allowed, 1)} allowed`, baseline: first && last ? `${fmt(percentile(first.w.goodMs, 99), 1)} → ${fmt(percentile(last.w.goodMs, 99), 1)} ms` : '', verdict: verdict(p99Ok) },
      { check: 'good agents: statuses', value: counts(total.good), baseline: `long-polls ${counts(total.poll)}`, verdict: '' },
      { check: 'storm agent: statuses', value: counts(total.storm), baseline: '', verdict: '' },
      { check: 'loop agent: statuses', value: counts(total.loop), baseline: '', verdict: '' },
      { check: 'relay sink: every 202 to an outside address arrived', value: `${remoteExpected.size - remoteLost.length}/${remoteExpected.size}, duplicates ${remoteDup}; loop agent ${loopArrived}/${loopAccepted}`, baseline: '', verdict: remoteLost.length === 0 && loopArrived >= loopAccepted ? 'PASS' : 'FAIL' },
      { check: 'hosted inboxes: every 202 and SMTP 250 listed by the long-poll', value: `${localExpected.size - pollLost.length}/${localExpected.size}`, baseline: `SMTP ${total.smtpOk} accepted, ${total.smtpFail} failed`, verdict: pollLost.length === 0 && total.smtpFail === 0 ? 'PASS' : 'FAIL' },
      { check: 'webhooks: one verified message.received for each', value: `${localExpected.size - hookLost.length}/${localExpected.size}, duplicates ${hookDup}, bad signatures ${receiver.badSignatures()}`, baseline: `${receiver.total()} POSTs`, verdict: hookLost.length === 0 && receiver.badSignatures() === 0 ? 'PASS' : 'FAIL' },
      { check: 'no 5xx (all agents)', value: `${fiveXx} 5xx, ${errors} network errors or timeouts`, baseline: '', verdict: fiveXx === 0 ? 'PASS' : 'FAIL' },
      { check: 'drain after the traffic stopped', value: `${fmt(drainS, 1)} s`, baseline: `limit ${DRAIN_MS / 1000} s`, verdict: '' },
    ]));
    if (remoteLost.length > 0) console.log(`missing at the sink (first 5): ${remoteLost.slice(0, 5).join(', ')}`);
    if (pollLost.length > 0) console.log(`missing in inboxes (first 5): ${pollLost.slice(0, 5).join(', ')}`);
    if (hookLost.length > 0) console.log(`missing webhooks (first 5): ${hookLost.slice(0, 5).join(', ')}`);
    const trendOk = Number.isNaN(span) || (rssOk && p99Ok);
    console.log(`\nverdict: trend ${trendOk ? 'PASS' : 'FAIL'}, correctness ${correct ? 'PASS' : 'FAIL'}`);
    if (!trendOk || !correct) process.exitCode = 1;
  } finally {
    stopped = true;
    await bw.stop();
    receiver.close();
    await sink.close();
    clearTimeout(guard);
  }
}

await main();
