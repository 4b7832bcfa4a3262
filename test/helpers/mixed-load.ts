/**
 * Mixed traffic for the crash tests (issue 10, item 1): API sends to an outside relay, inbound
 * SMTP, and the webhooks both produce, all at once against one or more nodes; then the checks
 * that hold after a kill -9. Every loop stops when told or at its attempt cap.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { expect } from 'vitest';
import type { ApiResponse, TestServer } from './server.ts';
import type { SmtpSink } from './smtp-sink.ts';
import type { WebhookReceiver } from './webhooks.ts';

type Outcome = 'pending' | 'acked' | 'refused' | 'error';

export interface SendAttempt { subject: string; idem: string; sender: string; to: string; outcome: Outcome; id?: string }
export interface SmtpAttempt { messageId: string; to: string; receiver: string; outcome: Outcome; node: number }

export interface MixedLoadOptions {
  /** The nodes to spread traffic over; a killed one is simply dropped from it by the caller. */
  nodes: TestServer[];
  key: string;
  senders: Array<{ id: string }>;
  receivers: Array<{ id: string; address: string }>;
  apiWorkers?: number;
  smtpWorkers?: number;
  /** Per worker: a cap on attempts, so a wedged node cannot make a loop run forever. */
  maxAttempts?: number;
}

export class MixedLoad {
  readonly sends: SendAttempt[] = [];
  readonly smtp: SmtpAttempt[] = [];
  private stopped = false;
  private inflight = { api: 0, smtp: 0 };
  private workers: Promise<void>[] = [];
  private n = 0;

  constructor(private readonly o: MixedLoadOptions) {}

  start(): void {
    const { apiWorkers = 6, smtpWorkers = 3 } = this.o;
    this.workers = [
      ...Array.from({ length: apiWorkers }, (_, w) => this.apiWorker(w)),
      ...Array.from({ length: smtpWorkers }, (_, w) => this.smtpWorker(w)),
    ];
  }

  /** Stops starting requests and returns what was in flight at that instant (call it in the tick of the kill). */
  stop(): { api: number; smtp: number } {
    this.stopped = true;
    return { ...this.inflight };
  }

  /** Resolves when every worker has its last answer (or error). */
  settled(): Promise<void> {
    return Promise.all(this.workers).then(() => {});
  }

  acked(): { sends: SendAttempt[]; smtp: SmtpAttempt[] } {
    return { sends: this.sends.filter((s) => s.outcome === 'acked'), smtp: this.smtp.filter((s) => s.outcome === 'acked') };
  }

  private async apiWorker(w: number): Promise<void> {
    const { nodes, key, senders, maxAttempts = 5000 } = this.o;
    for (let j = 0; j < maxAttempts && !this.stopped; j++) {
      const i = this.n++;
      // Many destination domains: the pacer allows 10/s per domain (pacing.ts), not the subject here.
      const a: SendAttempt = { subject: `mixed-send-${i}`, idem: `mixed-${i}-${w}`, sender: senders[i % senders.length]!.id, to: `far-${i}@d${i % 64}.example.com`, outcome: 'pending' };
      this.sends.push(a);
      this.inflight.api++;
      try {
        const res = await nodes[i % nodes.length]!.api('POST', `/v1/inboxes/${a.sender}/messages`, {
          key, headers: { 'idempotency-key': a.idem }, body: { to: [a.to], subject: a.subject, text: `send ${i}` },
        });
        a.outcome = res.status === 202 ? 'acked' : 'refused';
        if (res.status === 202) a.id = res.body.id;
      } catch {
        a.outcome = 'error';
      } finally {
        this.inflight.api--;
      }
    }
  }

  private async smtpWorker(w: number): Promise<void> {
    const { nodes, receivers, maxAttempts = 5000 } = this.o;
    const node = w % nodes.length;
    // One pooled connection per worker: smtp-server holds each new connection ~100 ms.
    const t: Transporter = nodemailer.createTransport({ host: '127.0.0.1', port: nodes[node]!.smtpPort, secure: false, pool: true, maxConnections: 1, tls: { rejectUnauthorized: false } });
    t.on('error', () => {});
    try {
      for (let j = 0; j < maxAttempts && !this.stopped; j++) {
        const r = receivers[(w + j) % receivers.length]!;
        const s: SmtpAttempt = { messageId: `<mixed-smtp-${w}-${j}@example.net>`, to: r.address, receiver: r.id, outcome: 'pending', node };
        this.smtp.push(s);
        this.inflight.smtp++;
        try {
          const info = await t.sendMail({ from: 'load@example.net', to: s.to, subject: `smtp ${s.messageId}`, text: 'inbound under load', messageId: s.messageId });
          s.outcome = /^250 /.test(info.response ?? '') ? 'acked' : 'refused';
        } catch {
          s.outcome = 'error';
        } finally {
          this.inflight.smtp--;
        }
      }
    } finally {
      t.close();
    }
  }
}

/** Pages a list endpoint to its end (cursor paging, 100 a page). */
export async function listAll<T>(node: TestServer, key: string, path: string): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const res: ApiResponse = await node.api('GET', `${path}${sep}limit=100${cursor ? `&cursor=${cursor}` : ''}`, { key });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    out.push(...res.body.data);
    cursor = res.body.next_cursor;
    if (!cursor) return out;
  }
  throw new Error(`GET ${path}: more than 1000 pages`);
}

/** Copies beyond the first, over a list of keys. */
export function extraCopies(keys: string[]): number {
  const seen = new Map<string, number>();
  for (const k of keys) seen.set(k, (seen.get(k) ?? 0) + 1);
  return [...seen.values()].reduce((n, c) => n + c - 1, 0);
}

export interface CrashFigures {
  ackedSends: number;
  ackedSmtp: number;
  relayed: number;
  relayDuplicates: number;
  events: number;
  webhooksSeen: number;
  webhookDuplicates: number;
  unverified: number;
  undelivered: string[];
  unstored: string[];
  eventsWithoutWebhook: string[];
}

/**
 * The crash verdict: nothing acknowledged lost, every event's webhook seen and verified, and no
 * more duplicates than jobs leased at the kill (only a job running then can run twice).
 */
export function expectNothingLost(f: CrashFigures, leased: { delivery: number; webhook: number }): void {
  expect(f.undelivered, 'acknowledged sends not relayed and sent').toEqual([]);
  expect(f.unstored, 'inbound mail answered 250 but not listed').toEqual([]);
  expect(f.eventsWithoutWebhook, 'committed events whose webhook never arrived').toEqual([]);
  expect(f.unverified).toBe(0);
  expect(f.relayDuplicates).toBeLessThanOrEqual(leased.delivery);
  expect(f.webhookDuplicates).toBeLessThanOrEqual(leased.webhook);
}

/**
 * After the crash: every acknowledged send relayed and `sent`, every 250 listed, every event in
 * the log seen by the receiver under its id. Polls until all hold or `timeoutMs` passes, then
 * returns the figures (the caller asserts on them, so a failure names what is missing).
 */
export async function verifyAfterCrash(o: {
  node: TestServer; key: string; load: MixedLoad; sink: SmtpSink; receiver: WebhookReceiver; timeoutMs: number;
}): Promise<CrashFigures> {
  const { node, key, load, sink, receiver } = o;
  const { sends, smtp } = load.acked();
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const relayedSubjects = sink.messages.map((m) => m.parsed.subject ?? '');
    const relayedSet = new Set(relayedSubjects);
    const senders = [...new Set(sends.map((s) => s.sender))];
    const outbound = (await Promise.all(senders.map((id) => listAll<{ id: string; status: string }>(node, key, `/v1/inboxes/${id}/messages?direction=outbound`)))).flat();
    const statuses = new Map(outbound.map((m) => [m.id, m.status]));
    const undelivered = sends.filter((s) => !relayedSet.has(s.subject) || statuses.get(s.id!) !== 'sent').map((s) => `${s.id}:${statuses.get(s.id!) ?? 'not relayed'}`);
    const receivers = [...new Set(smtp.map((s) => s.receiver))];
    const stored = new Set((await Promise.all(receivers.map((r) => listAll<{ message_id: string; inbox_id: string }>(node, key, `/v1/inboxes/${r}/messages?direction=inbound`))))
      .flat().map((m) => `${m.inbox_id} ${m.message_id}`));
    const unstored = smtp.filter((s) => !stored.has(`${s.receiver} ${s.messageId}`)).map((s) => s.messageId);
    const events = await listAll<{ id: string; type: string }>(node, key, '/v1/events');
    const seenIds = receiver.received.map((r) => String(r.headers['webhook-id']));
    const seen = new Set(seenIds);
    const eventsWithoutWebhook = events.filter((e) => !seen.has(e.id)).map((e) => `${e.id}:${e.type}`);
    const done = undelivered.length === 0 && unstored.length === 0 && eventsWithoutWebhook.length === 0;
    if (done || Date.now() > deadline) {
      return {
        ackedSends: sends.length, ackedSmtp: smtp.length,
        relayed: sends.length - undelivered.length,
        relayDuplicates: extraCopies(relayedSubjects.filter((s) => s.startsWith('mixed-send-'))),
        events: events.length, webhooksSeen: seen.size, webhookDuplicates: extraCopies(seenIds),
        unverified: receiver.received.filter((r) => !r.verified).length,
        undelivered, unstored, eventsWithoutWebhook,
      };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
