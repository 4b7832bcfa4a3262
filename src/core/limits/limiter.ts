/**
 * The Limiter port: token buckets checked on every request, before the store.
 * Adapters: memory (one process), Redis (many processes), Durable Object (edge).
 */

/** Milliseconds since the Unix epoch. Injected so limiter and loop tests never sleep. */
export type Clock = () => number;

/** A token bucket: `limit` tokens refilled evenly over `windowMs`, holding at most `burst`. */
export interface LimitRule {
  /**
   * Names the policy in headers and problem details (`rule`) and namespaces buckets. One of a
   * fixed set from configuration (`key`, `inbox-send`, …): ids belong in the bucket key.
   */
  name: string;
  /** Tokens added per window; a positive integer. */
  limit: number;
  /** Window length in integer milliseconds. */
  windowMs: number;
  /** Bucket capacity in tokens; a positive integer, usually ≥ `limit`. */
  burst: number;
}

/** The answer to a take or peek. A denial is a value (`ok: false`), never an exception. */
export interface LimitDecision {
  ok: boolean;
  limit: number;
  burst: number;
  /** Whole tokens left in the bucket after this decision. */
  remaining: number;
  /** ms until the bucket is full again */
  resetMs: number;
  /** ms until `cost` tokens are available; 0 when ok. `NEVER_MS` when cost > burst. */
  retryAfterMs: number;
  rule: LimitRule;
}

/**
 * Token buckets keyed by `(rule.name, key)`: the same key under two rules is two buckets.
 *
 * Semantics every adapter keeps (the contract suite checks them):
 * - Integer milliseconds in and out; decisions are exact when `windowMs / limit` is a whole
 *   number of ms, and otherwise refill at most ~1 µs per token slower, never faster (see gcra.ts).
 * - Concurrent takes on one bucket are serialised: N parallel takes against `burst` B grant exactly min(N, B).
 * - Promises reject only on faults (invalid rule or cost, backend down); "no" is `ok: false`.
 * - A bucket an adapter has forgotten (evicted, expired) is full, the state of an idle key.
 */
export interface Limiter {
  /** Atomically take `cost` tokens (default 1) from bucket `key` under `rule`. All-or-nothing: a denied take removes nothing. */
  take(key: string, rule: LimitRule, cost?: number): Promise<LimitDecision>;
  /** Read without taking: the decision a take of 1 would get, with `remaining` counting tokens now. */
  peek(key: string, rule: LimitRule): Promise<LimitDecision>;
}
