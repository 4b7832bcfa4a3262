/**
 * The rogue agent of bench/burst.ts, run as its own process (forked, one message in, one out) so
 * it never shares an event loop with the server it measures. A closed loop on raw keep-alive
 * sockets: each connection writes one request, reads the whole answer, writes the next, like
 * autocannon without pipelining. node:http's client costs several times more CPU per request
 * than this, which on a 2-core machine would make the client, not the server, the bottleneck.
 *
 * Every request is a send with a fresh Idempotency-Key and a fresh body, so loop detection never
 * fires: whatever stops it is the rate limiter.
 */
import { connect, type Socket } from 'node:net';

export interface StormJob {
  port: number;
  connections: number;
  durationMs: number;
  /** Hard cap on requests, whatever the duration. */
  maxRequests: number;
  /** e.g. `/v1/inboxes/inb_…/messages` */
  path: string;
  /** Bearer token; any string for the baseline. */
  auth: string;
  /** Makes Idempotency-Keys and bodies unique across runs. */
  tag: string;
}

export interface StormResult {
  /** Complete answers read. */
  responses: number;
  /** By `<status> <RateLimit-Policy name>`, e.g. `429 key`, `429 inbox-send`, `202 key`. */
  byOutcome: Record<string, number>;
  /** Answers completed in each second of the run. */
  perSecond: number[];
  errors: number;
  reconnects: number;
  elapsedMs: number;
  /** CPU time this process used (user + system). */
  cpuMs: number;
  /** One full header block per outcome, for the report. */
  samples: Record<string, string>;
}

const MAX_RECONNECTS = 1000;

/** Where the answer starting at `from` ends, or -1 while incomplete; null for an unparseable answer. */
function answerEnd(buf: Buffer, from: number): { end: number; head: string } | null | -1 {
  const headEnd = buf.indexOf('\r\n\r\n', from);
  if (headEnd < 0) return -1;
  const head = buf.toString('latin1', from, headEnd);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) {
    const end = headEnd + 4 + Number(length[1]);
    return end <= buf.length ? { end, head } : -1;
  }
  if (!/\r\ntransfer-encoding:\s*chunked/i.test(head)) return { end: headEnd + 4, head };
  // Chunked (RFC 9112 §7.1): size line, data, CRLF … a zero-size chunk, then CRLF (no trailers here).
  let pos = headEnd + 4;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', pos);
    if (lineEnd < 0) return -1;
    const size = parseInt(buf.toString('latin1', pos, lineEnd), 16);
    if (!Number.isFinite(size)) return null;
    if (size === 0) return lineEnd + 4 <= buf.length ? { end: lineEnd + 4, head } : -1;
    pos = lineEnd + 2 + size + 2;
    if (pos > buf.length) return -1;
  }
}

export function runStorm(job: StormJob): Promise<StormResult> {
  const head = `POST ${job.path} HTTP/1.1\r\nHost: 127.0.0.1:${job.port}\r\nAuthorization: Bearer ${job.auth}\r\nContent-Type: application/json\r\n`;
  let seq = 0;
  const request = () => {
    const n = ++seq;
    const body = `{"to":["sink@example.com"],"subject":"storm ${n}","text":"fresh body ${job.tag} ${n}"}`;
    return `${head}Idempotency-Key: ${job.tag}-${n}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  };

  const r: StormResult = { responses: 0, byOutcome: {}, perSecond: [], errors: 0, reconnects: 0, elapsedMs: 0, cpuMs: 0, samples: {} };
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const deadline = started + job.durationMs;
  const sockets = new Set<Socket>();

  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(hardStop);
      for (const s of sockets) s.destroy();
      const cpu = process.cpuUsage(cpu0);
      r.cpuMs = (cpu.user + cpu.system) / 1000;
      r.elapsedMs = performance.now() - started;
      resolve(r);
    };
    // Bounded in time whatever the server does.
    const hardStop = setTimeout(finish, job.durationMs + 5_000);

    const open = () => {
      const socket = connect(job.port, '127.0.0.1');
      sockets.add(socket);
      socket.setNoDelay(true);
      let buf: Buffer | null = null;
      const next = () => {
        if (performance.now() < deadline && seq < job.maxRequests) socket.write(request());
        else socket.end();
      };
      socket.on('connect', next);
      socket.on('data', (chunk: Buffer) => {
        buf = buf ? Buffer.concat([buf, chunk]) : chunk;
        const a = answerEnd(buf, 0);
        if (a === -1) return;
        if (a === null) {
          r.errors++;
          socket.destroy();
          return;
        }
        const now = performance.now();
        const status = a.head.slice(9, 12);
        const policy = /\r\nratelimit-policy:\s*"([^"]*)"/i.exec(a.head)?.[1] ?? '-';
        const outcome = `${status} ${policy}`;
        if (r.byOutcome[outcome] === undefined) {
          r.byOutcome[outcome] = 0;
          r.samples[outcome] = a.head;
        }
        r.byOutcome[outcome]++;
        r.responses++;
        const second = Math.floor((now - started) / 1000);
        r.perSecond[second] = (r.perSecond[second] ?? 0) + 1;
        buf = a.end === buf.length ? null : buf.subarray(a.end);
        next();
      });
      socket.on('error', () => { r.errors++; });
      socket.on('close', () => {
        sockets.delete(socket);
        if (done) return;
        if (performance.now() < deadline && r.reconnects < MAX_RECONNECTS) {
          r.reconnects++;
          open();
        } else if (sockets.size === 0) finish();
      });
    };
    for (let i = 0; i < job.connections; i++) open();
  });
}

// Forked by bench/burst.ts: says it is loaded, then one job in, one result out, then exit.
if (process.send) {
  process.once('message', (job: StormJob) => {
    void runStorm(job).then((result) => process.send!(result, () => process.disconnect()));
  });
  process.send({ ready: true });
}
