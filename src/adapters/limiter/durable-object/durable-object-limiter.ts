/**
 * The edge Limiter: each bucket lives in its identity's LimiterShard (shard.ts), one RPC per
 * take, computing the same GCRA as the memory and Redis adapters. The caller's clock travels with
 * the call, so every isolate and the contract suite's injected clock decide alike.
 */
import { assertLimitRule } from '../../../core/limits/gcra.ts';
import type { Clock, LimitDecision, LimitRule, Limiter } from '../../../core/limits/limiter.ts';
import { callShard, type LimiterNamespace } from './shard.ts';

export interface DurableObjectLimiterOptions {
  /** The LIMITER binding. */
  namespace: LimiterNamespace;
  /** Time source in ms, sent with each call; default `Date.now`. */
  now?: Clock;
}

export class DurableObjectLimiter implements Limiter {
  readonly #namespace: LimiterNamespace;
  readonly #now: Clock;

  constructor(options: DurableObjectLimiterOptions) {
    this.#namespace = options.namespace;
    this.#now = options.now ?? Date.now;
  }

  async take(key: string, rule: LimitRule, cost = 1): Promise<LimitDecision> {
    // Checked here too, so a caller's bug is a RangeError without a round trip.
    assertLimitRule(rule);
    if (!(Number.isSafeInteger(cost) && cost >= 0)) throw new RangeError(`limit rule ${rule.name}: cost must be a non-negative integer, got ${cost}`);
    const now = this.#now();
    const decision = await callShard(this.#namespace, key, (shard) => shard.take(key, plain(rule), cost, now));
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
