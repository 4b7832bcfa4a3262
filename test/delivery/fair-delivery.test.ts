import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLimiter } from '../../src/adapters/limiter/memory/memory-limiter.ts';
import { DELIVERY_QUEUE } from '../../src/core/context.ts';
import { deliverMessage } from '../../src/core/delivery/deliver.ts';
import { DeliveryPacer } from '../../src/core/delivery/pacing.ts';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import type { MailTransport, OutgoingMail, SendOutcome } from '../../src/core/ports.ts';
import { buildTestApp, silentLogger, type TestApp } from '../helpers/app.ts';

/** A relay that is slow for some domains and counts deliveries in flight per domain. */
class SlowRelay implements MailTransport {
  readonly inFlight = new Map<string, number>();
  readonly maxInFlight = new Map<string, number>();
  readonly delivered: Array<{ domain: string; to: string; at: number }> = [];

  constructor(private readonly delayMs: (domain: string) => number) {}

  async send(mail: OutgoingMail): Promise<SendOutcome> {
    const domain = mail.to[0]!.split('@')[1]!;
    const n = (this.inFlight.get(domain) ?? 0) + 1;
    this.inFlight.set(domain, n);
    this.maxInFlight.set(domain, Math.max(n, this.maxInFlight.get(domain) ?? 0));
    await new Promise((r) => setTimeout(r, this.delayMs(domain)));
    this.inFlight.set(domain, (this.inFlight.get(domain) ?? 1) - 1);
    this.delivered.push({ domain, to: mail.to[0]!, at: Date.now() });
    return { ok: true, response: '250 2.0.0 queued' };
  }

  count(domain: string): number {
    return this.delivered.filter((d) => d.domain === domain).length;
  }

  async close(): Promise<void> {}
}

async function until(fn: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('fair, paced delivery (issue 5, item 6)', () => {
  let t: TestApp;
  let runner: JobRunner;

  async function setup(relay: SlowRelay, pacing: { rate: number; domainConcurrency: number }) {
    const pacer = new DeliveryPacer({
      limiter: new MemoryLimiter(), clock: Date.now, domainConcurrency: pacing.domainConcurrency,
      domainRate: { name: 'domain-delivery', limit: pacing.rate, windowMs: 1000, burst: pacing.rate },
    });
    t = await buildTestApp({ transport: relay, pacer, deliverability: false });
    const { key } = await t.createOrg();
    const inbox = async (username: string) => (await t.request('POST', '/v1/inboxes', { key, body: { username } })).body as { id: string };
    const send = async (from: string, to: string, ik: string) => {
      const res = await t.request('POST', `/v1/inboxes/${from}/messages`, { key, headers: { 'idempotency-key': ik }, body: { to: [to], subject: 's', text: 'x' } });
      expect(res.status).toBe(202);
    };
    runner = new JobRunner({
      queue: t.store, queueName: DELIVERY_QUEUE, owner: 'test-runner', handler: (job) => deliverMessage(t.deps, job),
      notifier: t.deps.notifier, clock: Date.now, logger: silentLogger, concurrency: 16, pollMs: 100,
    });
    return { inbox, send, pacer };
  }

  afterEach(async () => {
    await runner?.stop();
    await t?.close();
  });

  it("inbox A's backlog of 500 to a slow domain does not delay inbox B's 5 to another domain", async () => {
    const relay = new SlowRelay((d) => (d === 'slow.example' ? 100 : 5));
    const { inbox, send } = await setup(relay, { rate: 10, domainConcurrency: 4 });
    const a = await inbox('agent-a');
    const b = await inbox('agent-b');
    for (let i = 0; i < 500; i++) await send(a.id, `rcpt${i}@slow.example`, `a-${i}`);
    for (let i = 0; i < 5; i++) await send(b.id, `rcpt${i}@other.example`, `b-${i}`);
    // The worst case: the whole backlog is due, and older than B's mail, when the worker starts.
    runner.start();
    await until(() => relay.count('other.example') === 5, 15_000);
    const aDone = relay.count('slow.example');
    // Unloaded, about 10 (the first pass over the backlog takes ~0.3 s at 10/s); the bound leaves
    // room for a loaded machine. Without pacing and fair queuing, all 500 would go first.
    expect(aDone).toBeLessThan(250);
    expect(relay.maxInFlight.get('slow.example') ?? 0).toBeLessThanOrEqual(4);
    // A's backlog still drains, at the domain's pace (10/s): nothing was failed for being deferred.
    await until(() => relay.count('slow.example') >= aDone + 10, 5_000);
    const failed = await t.store.db.selectFrom('jobs').select('id').where('status', '=', 'failed').execute();
    expect(failed).toHaveLength(0);
  }, 60_000);

  it('on one shared domain, the two inboxes take turns: B does not wait behind A’s backlog', async () => {
    const relay = new SlowRelay(() => 20);
    const { inbox, send } = await setup(relay, { rate: 20, domainConcurrency: 4 });
    const a = await inbox('agent-a');
    const b = await inbox('agent-b');
    for (let i = 0; i < 300; i++) await send(a.id, `a${i}@shared.example`, `a-${i}`);
    for (let i = 0; i < 5; i++) await send(b.id, `b${i}@shared.example`, `b-${i}`);
    runner.start();
    await until(() => relay.delivered.filter((d) => d.to.startsWith('b')).length === 5, 20_000);
    // Unloaded, about 25. Without fair queuing B's mail would come after all 300 (15 s at 20/s).
    expect(relay.delivered.filter((d) => d.to.startsWith('a')).length).toBeLessThan(150);
  }, 60_000);

  it('never runs more than N deliveries at once to one domain; deferrals count no attempt', async () => {
    const relay = new SlowRelay(() => 30);
    const { inbox, send } = await setup(relay, { rate: 10_000, domainConcurrency: 4 });
    const a = await inbox('agent-a');
    const b = await inbox('agent-b');
    for (let i = 0; i < 30; i++) {
      await send(a.id, `a${i}@busy.example`, `a-${i}`);
      await send(b.id, `b${i}@busy.example`, `b-${i}`);
    }
    runner.start();
    await until(() => relay.count('busy.example') === 60, 20_000);
    // 60 deliveries of 30 ms at 4 at a time: the limit is reached, never passed.
    expect(relay.maxInFlight.get('busy.example')).toBeLessThanOrEqual(4);
    expect(relay.maxInFlight.get('busy.example')).toBeGreaterThanOrEqual(2);
    // The relay answered before the status commits: wait for the last jobs to end.
    const jobs = () => t.store.db.selectFrom('jobs').select(['status', 'attempts']).where('queue', '=', DELIVERY_QUEUE).execute();
    const deadline = Date.now() + 5000;
    while ((await jobs()).some((r) => r.status !== 'done') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect((await jobs()).every((r) => r.status === 'done' && Number(r.attempts) === 0)).toBe(true);
  }, 60_000);
});
