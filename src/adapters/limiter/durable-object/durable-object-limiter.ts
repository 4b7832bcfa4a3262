/**
 * The edge Limiter: each bucket lives in its identity's LimiterShard (shard.ts), one RPC per
 * take, computing the same GCRA as the memory and Redis adapters. The caller's clock travels with
 * the call, so every isolate and the contract suite's injected clock decide alike.
 */
import { LRUCache } from 'lru-cache';
import { assertLimitRule, gcra } from '../../../core/limits/gcra.ts';
import type { Clock, LimitDecision, LimitRule, Limiter } from '../../../core/limits/limiter.ts';
import { callShard, type LimiterNamespace } from './shard.ts';

export interface DurableObjectLimiterOptions {
  /** The LIMITER binding. */
  namespace: LimiterNamespace;
  /** Time source in ms, sent with each call; default `Date.now`. */
  now?: Clock;
  /** Denials remembered per isolate (see DenialCache); default 10,000. */
  maxDenials?: number;
}

export class DurableObjectLimiter implements Limiter {
  readonly #namespace: LimiterNamespace;
  readonly #now: Clock;
  /**
   * Denied buckets, by their TAT at the denial. Other isolates can only move a TAT later, so a
   * take that GCRA refuses on the remembered TAT is refused on the real one too: a key storming
   * this isolate is answered here, with the object's own arithmetic and no round trip, until a
   * token could exist again. Never grants: a take the remembered TAT would allow asks the object.
   */
  readonly #denials: LRUCache<string, number>;

  constructor(options: DurableObjectLimiterOptions) {
    this.#namespace = options.namespace;
    this.#now = options.now ?? Date.now;
    this.#denials = new LRUCache({ max: options.maxDenials ?? 10_000 });
  }

  async take(key: string, rule: LimitRule, cost = 1): Promise<LimitDecision> {
    // Checked here too, so a caller's bug is a RangeError without a round trip.
    assertLimitRule(rule);
    if (!(Number.isSafeInteger(cost) && cost >= 0)) throw new RangeError(`limit rule ${rule.name}: cost must be a non-negative integer, got ${cost}`);
    const now = this.#now();
    const bucket = `${rule.name}|${rule.limit}|${rule.windowMs}|${rule.burst}|${key}`;
    const tatSeen = this.#denials.get(bucket);
    if (tatSeen !== undefined && now < tatSeen) {
      const local = gcra(tatSeen, now, rule, cost).decision;
      if (!local.ok) return { ...local, rule };
    }
    const { tat, ...decision } = await callShard(this.#namespace, key, (shard) => shard.take(key, plain(rule), cost, now));
    if (tat !== undefined && !decision.ok) this.#denials.set(bucket, tat);
    else this.#denials.delete(bucket);
    // The caller's own rule object, not the copy that came back over RPC.
    return { ...decision, rule };
  }

  async peek(key: string, rule: LimitRule): Promise<LimitDecision> {
    assertLimitRule(rule);
    const now = this.#now();
    const decision = await callShard(this.#namespace, key, (shard) => shard.peek(key, plain(rule), now));
    return { ...decision, rule };
  }
}

/**
 * The rule's four fields as a plain object: RPC's structured clone refuses objects without
 * Object's prototype (`Object.create(null)`, some config parsers and property-test generators).
 */
function plain(rule: LimitRule): LimitRule {
  return { name: rule.name, limit: rule.limit, windowMs: rule.windowMs, burst: rule.burst };
}
