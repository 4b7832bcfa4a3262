/**
 * GCRA, the generic cell rate algorithm (ITU-T I.371): a token bucket stored as one number per
 * key, the theoretical arrival time (TAT) at which the bucket would be full again. Pure, so the
 * memory adapter, a Redis Lua script and a Durable Object compute the same decisions.
 *
 * Exactness: every time here is a multiple of 1/1024 ms. Binary fractions add and subtract
 * exactly in a double (and in Lua, whose numbers are doubles) while they stay below 2^43 ms
 * (year 2248), so no rounding error accumulates however long a key lives. The emission interval
 * `windowMs / limit` is rounded up to that grid: exact whenever it is a whole number of ms, and
 * otherwise under 1 µs per token slow, so a bucket never refills faster than its rule (and no
 * rule refills faster than 1024 tokens per ms).
 */
import type { LimitDecision, LimitRule } from './limiter.ts';

const TICKS_PER_MS = 1024;

/** Longest span a rule may cover (`burst * windowMs / limit`), ~34 years: keeps TAT arithmetic exact. */
const MAX_SPAN_MS = 2 ** 40;

/**
 * `retryAfterMs` when a take can never succeed (cost > burst). Finite because Infinity becomes
 * `null` in JSON, and exactly the largest delay `setTimeout` accepts (2^31 - 1 ms, ~24.8 days):
 * a larger one fires at once in Node and browsers, which would turn a polite SDK into a hot loop.
 */
export const NEVER_MS = 2_147_483_647;

/** A decision and the TAT to store. On denial `newTat` is the current state, so the write may be skipped. */
export interface GcraResult {
  decision: LimitDecision;
  /** Theoretical arrival time in ms (a multiple of 1/1024 ms). */
  newTat: number;
}

/** Throws RangeError unless the rule has positive integer fields and a span GCRA can keep exact. */
export function assertLimitRule(rule: LimitRule): void {
  const { limit, windowMs, burst } = rule;
  if (!(Number.isSafeInteger(limit) && limit > 0 && Number.isSafeInteger(windowMs) && windowMs > 0 && Number.isSafeInteger(burst) && burst > 0)) {
    throw new RangeError(`limit rule ${rule.name}: limit, windowMs and burst must be positive integers`);
  }
  if ((burst * windowMs) / limit > MAX_SPAN_MS) throw new RangeError(`limit rule ${rule.name}: burst * windowMs / limit exceeds 2^40 ms`);
}

/** Take `cost` tokens at `nowMs` from a bucket whose stored TAT is `tatMs` (undefined: never seen, so full). */
export function gcra(tatMs: number | undefined, nowMs: number, rule: LimitRule, cost = 1): GcraResult {
  if (!(Number.isSafeInteger(cost) && cost >= 0)) throw new RangeError(`limit rule ${rule.name}: cost must be a non-negative integer, got ${cost}`);
  const { now, t, tau, tat } = state(tatMs, nowMs, rule);
  const available = Math.floor((now + tau - tat) / t);
  if (cost > rule.burst) return { decision: decision(false, rule, available, tat - now, NEVER_MS), newTat: tat };
  const newTat = tat + cost * t;
  // Allowed while the new TAT stays within one bucket (tau) of now; all-or-nothing.
  const allowAt = newTat - tau;
  if (allowAt > now) return { decision: decision(false, rule, available, tat - now, allowAt - now), newTat: tat };
  return { decision: decision(true, rule, available - cost, newTat - now, 0), newTat };
}

/** The decision a take of 1 would get at `nowMs`, with `remaining` counting the tokens there now. */
export function gcraPeek(tatMs: number | undefined, nowMs: number, rule: LimitRule): LimitDecision {
  const { now, t, tau, tat } = state(tatMs, nowMs, rule);
  const available = Math.floor((now + tau - tat) / t);
  return decision(available >= 1, rule, available, tat - now, available >= 1 ? 0 : tat + t - tau - now);
}

function state(tatMs: number | undefined, nowMs: number, rule: LimitRule) {
  assertLimitRule(rule);
  const now = Math.floor(nowMs * TICKS_PER_MS) / TICKS_PER_MS;
  const t = Math.ceil((rule.windowMs * TICKS_PER_MS) / rule.limit) / TICKS_PER_MS;
  const tau = rule.burst * t;
  let tat = tatMs === undefined || tatMs < now ? now : tatMs;
  // A TAT more than one bucket ahead cannot come from this rule: the clock stepped back (NTP)
  // or the rule shrank. Read it as an empty bucket instead of blocking the key for the gap.
  if (tat - now > tau) tat = now + tau;
  return { now, t, tau, tat };
}

function decision(ok: boolean, rule: LimitRule, remaining: number, untilFullMs: number, retryMs: number): LimitDecision {
  return {
    ok,
    limit: rule.limit,
    burst: rule.burst,
    remaining,
    // Round waits up: a client that comes back after a rounded-down wait would be refused again.
    resetMs: Math.ceil(untilFullMs),
    retryAfterMs: Math.ceil(retryMs),
    rule,
  };
}
