import { describe, expect, it } from 'vitest';
import { MemoryLimiter } from '../../adapters/limiter/memory/memory-limiter.ts';
import { DeliveryPacer, type PaceDecision } from './pacing.ts';

function pacer(now: { t: number }, o: { domainConcurrency?: number; inboxConcurrency?: number; rate?: number } = {}) {
  const clock = () => now.t;
  return new DeliveryPacer({
    limiter: new MemoryLimiter({ now: clock }), clock,
    domainConcurrency: o.domainConcurrency ?? 2, inboxConcurrency: o.inboxConcurrency ?? 100,
    domainRate: { name: 'domain-delivery', limit: o.rate ?? 1000, windowMs: 1000, burst: o.rate ?? 1000 },
  });
}

const ok = (d: PaceDecision) => { if (!d.ok) throw new Error(`deferred: ${d.reason}`); return d; };
const deferred = (d: PaceDecision) => { if (d.ok) throw new Error('went'); return d; };

describe('DeliveryPacer (injected clock)', () => {
  it('never has more than N deliveries in flight per domain; a release frees a slot', async () => {
    const now = { t: 1_000_000 };
    const p = pacer(now, { domainConcurrency: 2 });
    const a = ok(await p.acquire('inb_A', ['slow.example']));
    ok(await p.acquire('inb_A', ['SLOW.example']));
    const third = deferred(await p.acquire('inb_B', ['slow.example']));
    expect(third.reason).toMatch(/^domain-concurrency 2: slow\.example/);
    expect(third.runAt).toBeGreaterThan(now.t);
    // Other domains are not held up.
    ok(await p.acquire('inb_A', ['fast.example']));
    expect(p.inFlight('slow.example')).toBe(2);
    a.release();
    a.release(); // idempotent
    expect(p.inFlight('slow.example')).toBe(1);
    ok(await p.acquire('inb_B', ['slow.example']));
  });

  it('a message to several domains needs room at every one, and holds a slot at each', async () => {
    const now = { t: 1_000_000 };
    const p = pacer(now, { domainConcurrency: 1 });
    const held = ok(await p.acquire('inb_A', ['b.example']));
    deferred(await p.acquire('inb_A', ['a.example', 'b.example']));
    // The refused attempt reserved nothing.
    expect(p.inFlight('a.example')).toBe(0);
    held.release();
    const both = ok(await p.acquire('inb_A', ['a.example', 'b.example']));
    expect([p.inFlight('a.example'), p.inFlight('b.example')]).toEqual([1, 1]);
    both.release();
  });

  it('paces each domain at its rate, deferring to when a token is due', async () => {
    const now = { t: 1_000_000 };
    const p = pacer(now, { domainConcurrency: 100, rate: 10 });
    for (let i = 0; i < 10; i++) ok(await p.acquire('inb_A', ['rate.example'])).release();
    const d = deferred(await p.acquire('inb_A', ['rate.example']));
    expect(d.reason).toMatch(/^domain-rate/);
    expect(d.runAt - now.t).toBeGreaterThanOrEqual(100);
    now.t += 100;
    ok(await p.acquire('inb_A', ['rate.example']));
  });

  it('caps one inbox’s deliveries in flight, whatever the domains', async () => {
    const now = { t: 1_000_000 };
    const p = pacer(now, { domainConcurrency: 100, inboxConcurrency: 2 });
    ok(await p.acquire('inb_A', ['a.example']));
    ok(await p.acquire('inb_A', ['b.example']));
    expect(deferred(await p.acquire('inb_A', ['c.example'])).reason).toMatch(/^inbox-concurrency 2/);
    ok(await p.acquire('inb_B', ['c.example']));
  });

  it('fair queuing: a backlog spreads over its own flow’s slots; another inbox’s first deferral comes first', async () => {
    const now = { t: 1_000_000 };
    const p = pacer(now, { domainConcurrency: 1, rate: 10 });
    ok(await p.acquire('inb_X', ['slow.example']));
    const a = [];
    for (let i = 0; i < 50; i++) a.push(deferred(await p.acquire('inb_A', ['slow.example'])).runAt);
    // Inbox A's 50 waiting deliveries take one slot per emission interval (100 ms at 10/s).
    expect(a[49]! - a[0]!).toBe(49 * 100);
    const b = deferred(await p.acquire('inb_B', ['slow.example'])).runAt;
    // B's first comes back with A's first slots, not after A's whole backlog.
    expect(b).toBeLessThanOrEqual(a[1]!);
    expect(a.filter((t) => t < b).length).toBeLessThanOrEqual(1);
  });

  it('when the worker runs behind, a deferral keeps the job’s place (its due time), not the back of now', async () => {
    const now = { t: 1_000_000 };
    const p = pacer(now, { domainConcurrency: 1, rate: 10 });
    ok(await p.acquire('inb_X', ['slow.example']));
    const a = [];
    for (let i = 0; i < 50; i++) a.push(deferred(await p.acquire('inb_A', ['slow.example'], now.t)).runAt);
    // Three seconds later the worker reaches B's job, due since 500 ms after A's: A's first 30 slots are overdue.
    now.t += 3000;
    const b = deferred(await p.acquire('inb_B', ['slow.example'], now.t - 2500)).runAt;
    expect(b).toBeLessThanOrEqual(a[5]!);
    // Never further back than 5 s, so a job stuck for long does not spin through its whole lag.
    now.t += 60_000;
    expect(deferred(await p.acquire('inb_C', ['slow.example'], now.t - 50_000)).runAt).toBeGreaterThanOrEqual(now.t - 5000);
  });
});
