/**
 * Fair, paced delivery (issue 5, item 6). Three gates before a relay delivery:
 *
 * - per destination domain, at most `domainConcurrency` deliveries in flight in this process
 *   (default 4): receivers throttle senders that open many connections at once;
 * - per destination domain, a rate (default 10/s, burst 10) through the Limiter port, so with the
 *   Redis limiter it holds across processes;
 * - per sending inbox, at most `inboxConcurrency` in flight (default 8, half the worker's 16
 *   slots): one identity's slow mail can never hold every worker.
 *
 * A delivery that cannot go now is deferred (the job runs again later without counting an
 * attempt), so it frees its worker slot at once instead of waiting in it. Where it goes back
 * in the queue is what makes the queue fair: each (domain, inbox) pair is a flow with its own
 * schedule, one slot per domain emission interval (100 ms at 10/s), like start-time fair
 * queuing. A backlog of 500 messages from inbox A to one domain spreads over A's own future
 * slots; inbox B's first message takes B's first slot, so it is claimed ahead of A's backlog,
 * and the two flows then take turns at the domain's rate.
 *
 * Slots count from the deferred job's own due time, not from the wall clock: when the worker
 * runs behind (a loaded machine, a backlog after an outage), B's job, due before A's overdue
 * slots, keeps its place ahead of them instead of going to the back of "now" (at most
 * MAX_LAG_MS back, which bounds how often a job is retried while it catches up).
 *
 * Limits: flow slots are in memory (after a restart jobs keep their run times and are at worst
 * deferred once more); concurrency is per process (N processes allow N × the limit, while the
 * rate is shared through the limiter); a backlog that is all due at once (after an outage) is
 * passed over once, each job deferred, before newer mail of other inboxes is reached.
 */
import type { LimitRule } from '../limits/limiter.ts';
import { take, type EdgeLimiter } from '../limits/outbound-guard.ts';
import type { Clock } from '../ports.ts';

export interface PacingOptions {
  limiter: EdgeLimiter;
  clock: Clock;
  /** Relay deliveries in flight per destination domain, in this process. Default 4. */
  domainConcurrency?: number;
  /** Delivery rate per destination domain. Default 10/s, burst 10. */
  domainRate?: LimitRule;
  /** Relay deliveries in flight per sending inbox, in this process. Default 8. */
  inboxConcurrency?: number;
  /** The least time a deferred delivery waits, in ms. Default 50. */
  minDeferMs?: number;
}

export const DOMAIN_RATE_DEFAULT: LimitRule = { name: 'domain-delivery', limit: 10, windowMs: 1000, burst: 10 };

/** Go now (and call `release` when the delivery ends, however it ends), or come back at `runAt`. */
export type PaceDecision =
  | { ok: true; release: () => void }
  | { ok: false; runAt: number; reason: string };

/** Flows whose schedule is in the past are forgotten past this many (memory bound). */
const MAX_FLOWS = 50_000;

/** How far behind the wall clock a deferred job's slot may be (see the module comment). */
const MAX_LAG_MS = 5_000;

/** The delivery gates above; one per process, shared by every delivery worker slot. */
export class DeliveryPacer {
  private readonly domainInFlight = new Map<string, number>();
  private readonly inboxInFlight = new Map<string, number>();
  /** The last slot handed to each `domain|inbox` flow, in epoch ms. */
  private readonly flows = new Map<string, number>();
  readonly domainConcurrency: number;
  readonly inboxConcurrency: number;
  readonly domainRate: LimitRule;
  private readonly intervalMs: number;
  private readonly minDeferMs: number;

  constructor(private readonly o: PacingOptions) {
    this.domainConcurrency = o.domainConcurrency ?? 4;
    this.inboxConcurrency = o.inboxConcurrency ?? 8;
    this.domainRate = o.domainRate ?? DOMAIN_RATE_DEFAULT;
    this.intervalMs = this.domainRate.windowMs / this.domainRate.limit;
    this.minDeferMs = o.minDeferMs ?? 50;
  }

  /** Deliveries in flight to `domain` in this process (tests and metrics). */
  inFlight(domain: string): number {
    return this.domainInFlight.get(domain.toLowerCase()) ?? 0;
  }

  /**
   * Asks to deliver a message of `inboxId` to recipients in `domains`. All or nothing: every
   * domain must have room. Concurrency is checked and reserved before the first await, so
   * concurrent callers can never overshoot a limit. `dueAt` is when the job was due (its run
   * time): a deferral keeps its place in the queue from there.
   */
  async acquire(inboxId: string, domains: string[], dueAt?: number): Promise<PaceDecision> {
    const wall = this.o.clock();
    // Where a deferral counts from: the job's due time, at most MAX_LAG_MS in the past.
    const from = Math.min(wall, Math.max(dueAt ?? wall, wall - MAX_LAG_MS));
    const list = [...new Set(domains.map((d) => d.toLowerCase()))].sort();
    if (list.length === 0) return { ok: true, release: () => {} };
    if ((this.inboxInFlight.get(inboxId) ?? 0) >= this.inboxConcurrency) {
      return this.defer(inboxId, list[0]!, `inbox-concurrency ${this.inboxConcurrency}: ${inboxId} has as many deliveries in flight`, from, 0);
    }
    const busy = list.find((d) => (this.domainInFlight.get(d) ?? 0) >= this.domainConcurrency);
    if (busy) return this.defer(inboxId, busy, `domain-concurrency ${this.domainConcurrency}: ${busy} has as many deliveries in flight`, from, 0);
    this.reserve(inboxId, list, 1);
    for (const d of list) {
      let decision;
      try {
        decision = await take(this.o.limiter, `delivery:${d}`, this.domainRate);
      } catch (err) {
        this.reserve(inboxId, list, -1);
        throw err;
      }
      if (!decision.ok) {
        this.reserve(inboxId, list, -1);
        return this.defer(inboxId, d, `domain-rate ${this.domainRate.limit}/${this.domainRate.windowMs} ms: ${d}`, from, decision.retryAfterMs);
      }
    }
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.reserve(inboxId, list, -1);
      },
    };
  }

  private reserve(inboxId: string, domains: string[], delta: 1 | -1): void {
    bump(this.inboxInFlight, inboxId, delta);
    for (const d of domains) bump(this.domainInFlight, d, delta);
  }

  /** The next slot of this (domain, inbox) flow: at least `waitMs` after `from`, one interval after its last. */
  private defer(inboxId: string, domain: string, reason: string, from: number, waitMs: number): PaceDecision {
    const key = `${domain}|${inboxId}`;
    const last = this.flows.get(key) ?? -Infinity;
    const runAt = Math.ceil(Math.max(from + Math.max(this.minDeferMs, waitMs), last + this.intervalMs));
    this.flows.delete(key);
    this.flows.set(key, runAt);
    if (this.flows.size > MAX_FLOWS) {
      // A flow whose last slot has passed has no backlog left to order: forget it first.
      for (const [k, at] of this.flows) if (at < from) this.flows.delete(k);
      for (const k of this.flows.keys()) {
        if (this.flows.size <= MAX_FLOWS / 2) break;
        this.flows.delete(k);
      }
    }
    return { ok: false, runAt, reason };
  }
}

function bump(map: Map<string, number>, key: string, delta: number): void {
  const n = (map.get(key) ?? 0) + delta;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}
