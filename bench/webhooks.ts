/**
 * `npm run bench:webhooks` (tsx bench/webhooks.ts): DESIGN §9's "SMTP 250 → signed webhook at
 * the agent" and webhook deliveries per second, against a real server process and a receiver
 * on 127.0.0.1 that verifies every signature with the standardwebhooks reference library.
 *   baseline  the receiver alone: a signed POST from this process to it, sequential
 *   (a)       50 messages/s over SMTP for 10 s: time from the 250 to the verified webhook (p50, p99)
 *   (b)       a burst of messages, each to 8 endpoints, as fast as a pooled SMTP client sends: webhook
 *             deliveries per second (8 endpoints so delivery demand is well above SMTP ingest)
 * Bounded (< 60 s) and loopback only.
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import { TestServer } from '../test/helpers/server.ts';

const RATE = 50;
const SECONDS = 10;
const BURST = 600;
const FANOUT = 8;
const guard = setTimeout(() => {
  console.error('bench: over 90 s, giving up');
  process.exit(1);
}, 90_000);

/** The fast receiver: verifies (one secret per path), answers 204, records when each webhook was held verified. */
function startReceiver() {
  const arrivals = new Map<string, number>();
  const secrets = new Map<string, Webhook>();
  let failures = 0;
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const payload = secrets.get(req.url ?? '')!.verify(body, req.headers as Record<string, string>) as { data: { message?: { subject?: string } }; id: string };
        arrivals.set(`${req.url}|${payload.data.message?.subject ?? payload.id}`, performance.now());
      } catch {
        failures++;
      }
      res.writeHead(204).end();
    });
  });
  return {
    arrivals,
    failures: () => failures,
    setSecret: (path: string, secret: string) => secrets.set(path, new Webhook(secret)),
    listen: () => new Promise<string>((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const ms = (v: number) => `${v.toFixed(2)} ms`;

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

async function baseline(url: string, secret: string, receiver: ReturnType<typeof startReceiver>) {
  const signer = new Webhook(secret);
  const agent = new Agent({ keepAlive: true });
  const latencies: number[] = [];
  for (let i = 0; i < 500; i++) {
    const id = `evt_baseline_${i}`;
    const body = JSON.stringify({ id, type: 'message.received', created_at: new Date().toISOString(), data: { message: { subject: `baseline-${i}`, text: 'x'.repeat(600) } } });
    const start = performance.now();
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'content-type': 'application/json' };
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers: { ...headers, 'webhook-signature': signer.sign(id, new Date(Number(headers['webhook-timestamp']) * 1000), body) } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
    latencies.push(receiver.arrivals.get(`/hooks/0|baseline-${i}`)! - start);
  }
  agent.destroy();
  return latencies;
}

async function main() {
  const receiver = startReceiver();
  const base = await receiver.listen();
  const server = await TestServer.start({ env: { BREAKWATER_LOG_LEVEL: 'warn' } });
  try {
    const { key } = await server.createOrg('bench');
    const inbox = await server.createInbox(key, 'bench');
    const addEndpoint = async (k: number) => {
      const hook = await server.api('POST', '/v1/webhooks', { key, body: { url: `${base}/hooks/${k}`, events: ['message.received'] } });
      if (hook.status !== 201) throw new Error(`webhook: ${hook.status} ${JSON.stringify(hook.body)}`);
      receiver.setSecret(`/hooks/${k}`, hook.body.secret);
      return hook.body.secret as string;
    };
    const secret = await addEndpoint(0);

    const direct = await baseline(`${base}/hooks/0`, secret, receiver);
    console.log(`baseline: signed POST from this process to the receiver, held verified, n=${direct.length}: p50 ${ms(pct(direct, 50))}, p99 ${ms(pct(direct, 99))}`);

    // (a) paced: one message every 20 ms over a pool of reused SMTP connections.
    const mailer = nodemailer.createTransport({ host: '127.0.0.1', port: server.smtpPort, secure: false, tls: { rejectUnauthorized: false }, pool: true, maxConnections: 4, maxMessages: Infinity });
    const text = 'Hello agent. '.repeat(40);
    const acks = new Map<string, number>();
    const total = RATE * SECONDS;
    const started = performance.now();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const subject = `paced-${i}`;
      sends.push(mailer.sendMail({ from: 'sender@example.net', to: inbox.address, subject, text }).then(() => acks.set(subject, performance.now())));
    }
    await Promise.all(sends);
    const held = (s: string) => receiver.arrivals.get(`/hooks/0|${s}`);
    const complete = await waitFor(() => [...acks.keys()].every((s) => held(s) !== undefined), 15_000);
    const latencies = [...acks].filter(([s]) => held(s) !== undefined).map(([s, at]) => held(s)! - at);
    console.log(`(a) SMTP 250 → verified webhook at ${RATE} msg/s for ${SECONDS} s, n=${latencies.length}/${total}${complete ? '' : ' (some missing)'}: `
      + `p50 ${ms(pct(latencies, 50))}, p99 ${ms(pct(latencies, 99))}, max ${ms(Math.max(...latencies))}`);

    // (b) burst: as fast as 8 pooled connections send, each message to FANOUT endpoints.
    for (let k = 1; k < FANOUT; k++) await addEndpoint(k);
    const burstMailer = nodemailer.createTransport({ host: '127.0.0.1', port: server.smtpPort, secure: false, tls: { rejectUnauthorized: false }, pool: true, maxConnections: 8, maxMessages: Infinity });
    const burstStart = performance.now();
    let lastAck = 0;
    await Promise.all(Array.from({ length: BURST }, (_, i) =>
      burstMailer.sendMail({ from: 'sender@example.net', to: inbox.address, subject: `burst-${i}`, text }).then(() => (lastAck = performance.now()))));
    const expected = Array.from({ length: BURST * FANOUT }, (_, i) => `/hooks/${i % FANOUT}|burst-${Math.floor(i / FANOUT)}`);
    await waitFor(() => expected.every((s) => receiver.arrivals.has(s)), 30_000);
    const times = expected.map((s) => receiver.arrivals.get(s)).filter((t): t is number => t !== undefined);
    const first = Math.min(...times);
    const last = Math.max(...times);
    const ingest = BURST / ((lastAck - burstStart) / 1000);
    console.log(`(b) burst of ${BURST} messages × ${FANOUT} endpoints: SMTP accepted ${ingest.toFixed(0)} msg/s (so ${(ingest * FANOUT).toFixed(0)} deliveries/s due); `
      + `webhooks delivered ${times.length}/${expected.length} at ${(times.length / ((last - first) / 1000)).toFixed(0)}/s (first to last receipt); `
      + `last webhook ${ms(last - lastAck)} after the last 250`);
    console.log(`signature failures at the receiver: ${receiver.failures()}`);
    mailer.close();
    burstMailer.close();
  } finally {
    await server.stop();
    receiver.close();
    clearTimeout(guard);
  }
}

await main();
