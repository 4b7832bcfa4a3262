/**
 * The edge's limiter state as a Durable Object (DESIGN §3): GCRA buckets, loop windows and loop
 * strikes of the identities routed to it. Which identities share an object is the caller's
 * choice (src/adapters/limiter/durable-object/shard.ts: one object per identity).
 *
 * Every RPC method is synchronous: workerd runs one call at a time per object and none of them
 * awaits, so a take is atomic without locks, and N concurrent takes grant exactly the burst.
 * Time is the caller's (`now`), never this object's clock, so an injected test clock works and
 * a decision does not depend on where the object happens to run.
 */
import { DurableObject } from 'cloudflare:workers';
import { MemoryLoopDetector, record } from '../../../adapters/limiter/memory/memory-loop-detector.ts';
import { assertLimitRule, gcra, gcraPeek } from '../../../core/limits/gcra.ts';
import type { LimitDecision, LimitRule } from '../../../core/limits/limiter.ts';
import { loopPolicy, quarantineDurationMs, type LoopHit, type LoopPolicy, type StrikeResult } from '../../../core/loops/loop-detector.ts';
import { ShardStorage } from './shard-storage.ts';

/**
 * Buckets whose empty-to-full span exceeds this are written through to storage. Objects are
 * evicted only after sitting idle for a while (tens of seconds at least), so a shorter bucket
 * (the per-key 2 s, the auth-failure minute) is nearly always full by the time it could be
 * forgotten, and a forgotten bucket is full anyway (the Limiter port allows it): writing those
 * would cost a storage write per request for nothing. Quotas and warm-up caps span days; an
 * eviction must not hand an org a fresh day, so those are persisted on every granted take.
 */
export const PERSIST_SPAN_MS = 5 * 60_000;

/** Buckets kept in memory; an object serves one identity, so a handful are live in practice. */
const MAX_BUCKETS = 1024;

/**
 * Fingerprints one object remembers. Under the default key limit (20/s, burst 40) a key cannot
 * make more than ~240 requests in a 10 s window, so 256 never forgets a live one; the detector
 * preallocates (8 KB at the default policy) and many objects share an isolate's memory.
 */
const MAX_FINGERPRINTS = 256;

/** Keys with strike state kept in memory; one object serves one key, so this is a safety bound. */
const MAX_STRIKE_KEYS = 256;

interface StrikeState {
  times: Float64Array;
  repeats: number;
  quarantinedUntil: number;
}

export class LimiterShard extends DurableObject {
  /** TAT per bucket (`rule\nkey`); -Infinity marks a durable bucket known to have no stored row. */
  readonly #buckets = new Map<string, number>();
  readonly #strikes = new Map<string, StrikeState>();
  readonly #stored = new ShardStorage(this.ctx.storage);
  #loops: { maxRepeats: number; windowMs: number; detector: MemoryLoopDetector } | null = null;
  /** The caller's clock for the call in progress; the loop detector reads it. */
  #now = 0;

  /** A take; a denial also carries the bucket's TAT, from which the caller may answer repeats itself. */
  take(key: string, rule: LimitRule, cost: number, now: number): LimitDecision & { tat?: number } {
    assertNow(now);
    assertLimitRule(rule); // before storage is consulted for it
    const id = `${rule.name}\n${key}`;
    const { decision, newTat } = gcra(this.#tat(id, rule), now, rule, cost);
    // A denied take or a read changes nothing, so it writes nothing.
    if (!decision.ok) return { ...decision, tat: newTat };
    if (cost === 0) return decision;
    this.#remember(id, newTat, now);
    if (durable(rule)) this.#stored.writeBucket(id, newTat, newTat - now);
    return decision;
  }

  peek(key: string, rule: LimitRule, now: number): LimitDecision {
    assertNow(now);
    assertLimitRule(rule);
    return gcraPeek(this.#tat(`${rule.name}\n${key}`, rule), now, rule);
  }

  /** A sighting of `fingerprint` under `policy`; loop windows are seconds long, so memory only. */
  hit(fingerprint: string, policy: LoopPolicy, now: number): LoopHit {
    assertNow(now);
    const p = loopPolicy(policy);
    if (this.#loops === null || this.#loops.maxRepeats !== p.maxRepeats || this.#loops.windowMs !== p.windowMs) {
      // A policy change is a deploy: starting the windows afresh is what a restart would do too.
      this.#loops = { maxRepeats: p.maxRepeats, windowMs: p.windowMs, detector: new MemoryLoopDetector({ ...p, maxKeys: MAX_FINGERPRINTS, now: () => this.#now }) };
    }
    this.#now = now;
    return this.#loops.detector.hitSync(fingerprint);
  }

  /**
   * A loop detection for `keyId`: the same escalation as MemoryLoopStrikes. The strike times
   * (a minute) stay in memory; the escalation (a day) is stored when a quarantine starts, so an
   * eviction during the quarantine does not reset the next one to the shortest.
   */
  strike(keyId: string, policy: LoopPolicy, now: number): StrikeResult {
    assertNow(now);
    const p = loopPolicy(policy);
    const s = this.#strikeState(keyId, p);
    const strikes = record(s.times, 0, p.strikes, now, p.strikeWindowMs);
    if (strikes < p.strikes) return { quarantineMs: null, strikes };
    if (now - s.quarantinedUntil >= p.forgetMs) s.repeats = 0;
    const quarantineMs = quarantineDurationMs(s.repeats, p);
    s.repeats++;
    s.quarantinedUntil = now + quarantineMs;
    // The quarantine settles these strikes; the next one needs a fresh run of detections.
    s.times.fill(-Infinity);
    this.#stored.writeStrikes(keyId, s, s.quarantinedUntil + p.forgetMs - now);
    return { quarantineMs, strikes };
  }

  override async alarm(): Promise<void> {
    await this.#stored.sweep();
  }

  #tat(id: string, rule: LimitRule): number | undefined {
    const tat = this.#buckets.get(id);
    if (tat !== undefined || !durable(rule)) return tat;
    // First use of a durable bucket in this instance: it may have a stored TAT from before a restart.
    const stored = this.#stored.readBucket(id);
    this.#buckets.set(id, stored ?? -Infinity);
    return stored;
  }

  #remember(id: string, tat: number, now: number): void {
    this.#buckets.delete(id); // re-inserted last: Map order is then least recently written first
    this.#buckets.set(id, tat);
    if (this.#buckets.size <= MAX_BUCKETS) return;
    // Full buckets need no memory; if all are live, forget the least recently written (full again, as the port allows).
    for (const [k, t] of this.#buckets) if (t <= now) this.#buckets.delete(k);
    if (this.#buckets.size > MAX_BUCKETS) this.#buckets.delete(this.#buckets.keys().next().value as string);
  }

  #strikeState(keyId: string, p: LoopPolicy): StrikeState {
    let s = this.#strikes.get(keyId);
    if (s === undefined) {
      const stored = this.#stored.readStrikes(keyId);
      s = { times: new Float64Array(p.strikes).fill(-Infinity), repeats: stored?.repeats ?? 0, quarantinedUntil: stored?.quarantinedUntil ?? -Infinity };
      if (this.#strikes.size >= MAX_STRIKE_KEYS) this.#strikes.delete(this.#strikes.keys().next().value as string);
      this.#strikes.set(keyId, s);
    } else if (s.times.length !== p.strikes) {
      s.times = new Float64Array(p.strikes).fill(-Infinity);
    }
    return s;
  }
}

function durable(rule: LimitRule): boolean {
  return (rule.burst * rule.windowMs) / rule.limit > PERSIST_SPAN_MS;
}

function assertNow(now: number): void {
  if (!Number.isFinite(now)) throw new RangeError(`now must be a finite number of ms, got ${now}`);
}
