/**
 * The single-process Limiter: GCRA state in bounded LRU maps, answered synchronously. It sits on
 * the path of every rejected request, so a take is two map lookups, one write and the decision.
 */
import { LRUCache } from 'lru-cache';
import { gcra, gcraPeek } from '../../../core/limits/gcra.ts';
import type { Clock, LimitDecision, LimitRule, Limiter } from '../../../core/limits/limiter.ts';

/** Distinct rule names one limiter serves. Rules are a fixed set from configuration. */
const MAX_RULE_NAMES = 64;

/** Options for {@link MemoryLimiter}. */
export interface MemoryLimiterOptions {
  /** Buckets kept per rule name before the least recently used is forgotten; default 100,000. */
  maxKeys?: number;
  /** Time source in ms; default `Date.now`. */
  now?: Clock;
}

/**
 * Limiter state in this process's memory. Memory is bounded: each rule name gets its own LRU of
 * at most `maxKeys` TATs (~32 bytes each, preallocated, plus the key), so a flood of fresh keys under one rule (say,
 * unauthenticated client addresses) cannot evict the buckets of another rule. An evicted bucket
 * is full again, which is safe: a full bucket is exactly the state of a key that has been idle.
 */
export class MemoryLimiter implements Limiter {
  readonly #maxKeys: number;
  readonly #now: Clock;
  readonly #byRule = new Map<string, Buckets>();

  constructor(options: MemoryLimiterOptions = {}) {
    const maxKeys = options.maxKeys ?? 100_000;
    if (!(Number.isSafeInteger(maxKeys) && maxKeys > 0)) throw new RangeError(`maxKeys must be a positive integer, got ${maxKeys}`);
    this.#maxKeys = maxKeys;
    this.#now = options.now ?? Date.now;
  }

  /** {@link Limiter.take}, synchronously: the hot path of the HTTP edge. */
  takeSync(key: string, rule: LimitRule, cost = 1): LimitDecision {
    const buckets = this.#buckets(rule.name);
    let slot = buckets.slots.get(key);
    const { decision, newTat } = gcra(slot === undefined ? undefined : buckets.tats[slot], this.#now(), rule, cost);
    // A denied take changes nothing, so it writes nothing.
    if (!decision.ok || cost === 0) return decision;
    if (slot === undefined) {
      // A new bucket. At capacity it takes the least recently used bucket's slot; that key is forgotten, so full again.
      slot = buckets.slots.size < this.#maxKeys ? buckets.slots.size : (buckets.slots.pop() as number);
      buckets.slots.set(key, slot);
    }
    buckets.tats[slot] = newTat;
    return decision;
  }

  /** {@link Limiter.peek}, synchronously. */
  peekSync(key: string, rule: LimitRule): LimitDecision {
    // peek() leaves recency alone: reading a bucket is not using it.
    const buckets = this.#byRule.get(rule.name);
    const slot = buckets?.slots.peek(key);
    const tat = buckets !== undefined && slot !== undefined ? buckets.tats[slot] : undefined;
    return gcraPeek(tat, this.#now(), rule);
  }

  async take(key: string, rule: LimitRule, cost = 1): Promise<LimitDecision> {
    return this.takeSync(key, rule, cost);
  }

  async peek(key: string, rule: LimitRule): Promise<LimitDecision> {
    return this.peekSync(key, rule);
  }

  #buckets(ruleName: string): Buckets {
    let buckets = this.#byRule.get(ruleName);
    if (buckets === undefined) {
      // Each rule preallocates ~3 MB at the default maxKeys; ids in rule names would grow this without end.
      if (this.#byRule.size >= MAX_RULE_NAMES) throw new RangeError(`more than ${MAX_RULE_NAMES} limit rule names; put ids in the key, not the rule name`);
      buckets = { slots: new LRUCache<string, number>({ max: this.#maxKeys }), tats: new Float64Array(this.#maxKeys) };
      this.#byRule.set(ruleName, buckets);
    }
    return buckets;
  }
}

/**
 * One rule's buckets. The LRU maps a key to a slot of `tats`: TATs are doubles, which a plain
 * array would box on every write; a slot index is a small integer, so a take allocates nothing.
 */
interface Buckets {
  slots: LRUCache<string, number>;
  tats: Float64Array;
}
