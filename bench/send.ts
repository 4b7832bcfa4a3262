// npm run bench:send — accepted sends per second through the API, each answered 202 only
// after its message and delivery job are committed (synchronous=FULL), and the time from
// the 202 to the relay sink holding the message. Baseline in the same run: better-sqlite3
// alone committing three rows per transaction with synchronous=FULL (DESIGN §9).
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { closedLoop } from './lib/http-load.ts';
import { api, startBreakwater } from './lib/spawn.ts';
import { fmt, percentile, table } from './lib/stats.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);

function sqliteBaseline(seconds: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'bw-sqlite-'));
  const db = new Database(join(dir, 'b.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('create table m(id text primary key, body text); create table j(id text primary key, p text); create table e(id text primary key, t text)');
  const m = db.prepare('insert into m values (?, ?)');
  const j = db.prepare('insert into j values (?, ?)');
  const e = db.prepare('insert into e values (?, ?)');
  const tx = db.transaction((i: number) => { m.run(`m${i}`, 'x'.repeat(600)); j.run(`j${i}`, '{}'); e.run(`e${i}`, 'queued'); });
  const deadline = Date.now() + seconds * 1000;
  let n = 0;
  while (Date.now() < deadline) tx(n++);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return n / seconds;
}

async function main() {
  console.log(`bench:send — ${SECONDS} s, ${CONNECTIONS} connections, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  // The relay sink: records when each message arrives, by its bench id header.
  const arrivals = new Map<string, number>();
  const sink = new SMTPServer({
    authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false, disableReverseLookup: true,
    onData(stream, _s, cb) {
      let head = '';
      stream.on('data', (d: Buffer) => { if (head.length < 4096) head += d.toString('latin1'); });
      stream.on('end', () => {
        const id = /X-Bench-Id: (\S+)/i.exec(head)?.[1];
        if (id) arrivals.set(id, performance.now());
        cb();
      });
    },
  });
  sink.on('error', () => {});
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const sinkPort = (sink.server.address() as { port: number }).port;

  const bw = await startBreakwater({
    BREAKWATER_SMTP_RELAY: `smtp://127.0.0.1:${sinkPort}`,
    BREAKWATER_KEY_RATE: '1000000', BREAKWATER_KEY_BURST: '1000000', BREAKWATER_INBOX_SEND_RATE: '1000000', BREAKWATER_INBOX_SEND_BURST: '1000000',
    BREAKWATER_MAX_IN_FLIGHT: '256',
  });
  try {
    const org = await api(bw.url, 'POST', '/v1/orgs', bw.operatorToken, { name: 'bench', plan: 'unlimited' });
    const key = org.body.api_key as string;
    const inboxes = await Promise.all(Array.from({ length: 16 }, (_, i) => api(bw.url, 'POST', '/v1/inboxes', key, { username: `sender-${i}` })));
    const ids = inboxes.map((r) => r.body.id as string);
    const sentAt = new Map<string, number>();
    const request = (i: number) => {
      const benchId = randomUUID();
      return {
        method: 'POST', path: `/v1/inboxes/${ids[i % ids.length]}/messages`,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': benchId },
        // Spread over 200 destination domains: the worker paces each domain (10/s by default).
        body: JSON.stringify({ to: [`rcpt-${i}@d${i % 200}.example.com`], subject: `bench ${i}`, text: `message ${i} ${'lorem ipsum '.repeat(40)}`, headers: { 'X-Bench-Id': benchId } }),
      };
    };
    const run = await closedLoop({
      url: bw.url, connections: CONNECTIONS, seconds: SECONDS, request,
      onResponse: (_i, status, body) => {
        if (status === 202) sentAt.set(JSON.parse(body).id, performance.now());
      },
    });
    const accepted = run.byStatus[202] ?? 0;
    // Wait for the worker to drain what was accepted (bounded).
    const drainDeadline = Date.now() + 60_000;
    while (arrivals.size < accepted && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 200));
    const baseline = sqliteBaseline(Math.min(5, SECONDS));

    // Latency 202 → sink at a moderate rate, on a quiet server: 100 sends at 50/s.
    const lat: number[] = [];
    const pending = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      const r = request(1_000_000 + i);
      const benchId = r.headers['idempotency-key']!;
      const res = await fetch(bw.url + r.path, { method: 'POST', headers: r.headers, body: r.body });
      if (res.status === 202) pending.set(benchId, performance.now());
      await new Promise((r2) => setTimeout(r2, 20));
    }
    const latDeadline = Date.now() + 20_000;
    while ([...pending.keys()].some((k) => !arrivals.has(k)) && Date.now() < latDeadline) await new Promise((r) => setTimeout(r, 50));
    for (const [k, t] of pending) if (arrivals.has(k)) lat.push(arrivals.get(k)! - t);

    console.log(table([
      { measure: 'accepted sends/s (202 after durable commit)', value: fmt(accepted / run.seconds), note: `${accepted} in ${run.seconds.toFixed(1)} s; statuses ${JSON.stringify(run.byStatus)}` },
      { measure: 'send latency p50 / p99 (ms) under load', value: `${fmt(percentile(run.latenciesMs, 50), 1)} / ${fmt(percentile(run.latenciesMs, 99), 1)}`, note: `${CONNECTIONS} connections` },
      { measure: 'baseline: SQLite FULL, 3 rows per commit', value: fmt(baseline), note: 'commits/s, one writer, no server' },
      { measure: 'ratio accepted / baseline', value: (accepted / run.seconds / baseline).toFixed(2), note: 'group commit shares one fsync among many sends' },
      { measure: 'relayed to sink after the load', value: fmt(arrivals.size), note: `of ${accepted + 100} accepted` },
      { measure: '202 → relay sink p50 / p99 (ms)', value: `${fmt(percentile(lat, 50), 1)} / ${fmt(percentile(lat, 99), 1)}`, note: `${lat.length} sends at 50/s on a quiet server` },
    ]));
  } finally {
    await bw.stop();
    sink.close();
  }
}

await main();
