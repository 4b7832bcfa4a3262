/**
 * When the SDK tries a request again, and how long it waits first. A polite client backs off
 * exponentially with full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015)
 * and never comes back before the server said it may (Retry-After, RFC 9110 §10.2.3; the
 * RateLimit field's `t`, draft-ietf-httpapi-ratelimit-headers).
 */

export interface RetryPolicy {
  /** Retries after the first attempt (default 3). */
  maxRetries: number;
  /** First back-off step; each retry doubles it (default 500 ms). */
  baseDelayMs: number;
  /** Cap of one back-off (default 30 s). */
  maxDelayMs: number;
  /** A server asking for a longer wait than this is not retried: the caller decides (default 60 s). */
  maxRetryAfterMs: number;
  /** [0, 1): injectable so tests are deterministic. */
  random: () => number;
}

/** The defaults of `new Breakwater()`: 3 retries, 500 ms base, 30 s cap, 60 s longest server wait. */
export const DEFAULT_RETRY: Omit<RetryPolicy, 'random'> = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 };

/** What went wrong with one attempt: an answer, or none at all. */
export type Outcome = { status: number; code?: string } | { network: true };

/**
 * Whether an attempt may be repeated. `idempotent` is true for GET and DELETE and for requests
 * carrying an Idempotency-Key: only those are repeated after an answer that never came, or a
 * 500/502/504, since the first try may have done its work (a second inbox, a second key).
 * 408, 409 idempotency_in_progress, 429 and 503 all mean the server did nothing (yet).
 */
export function isRetryable(outcome: Outcome, idempotent: boolean): boolean {
  if ('network' in outcome) return idempotent;
  const { status, code } = outcome;
  if (status === 408 || status === 503) return true;
  if (status === 409) return code === 'idempotency_in_progress';
  // A detected loop is the server telling this caller to stop repeating itself; repeating it
  // would count as more of the loop and can quarantine the key (DESIGN §5).
  if (status === 429) return code !== 'loop_detected';
  if (status >= 500) return idempotent && status !== 501;
  return false;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * The RateLimit field (`"key";r=0;t=1, "inbox-send";r=4;t=1`): milliseconds until every
 * exhausted policy (r=0) resets, the longest of them; undefined when none is exhausted.
 */
export function parseRateLimitReset(value: string | null): number | undefined {
  if (value === null) return undefined;
  let wait: number | undefined;
  for (const item of value.split(',')) {
    const params = new Map<string, string>();
    for (const part of item.split(';').slice(1)) {
      const [k, v] = part.split('=');
      if (k && v) params.set(k.trim(), v.trim());
    }
    const r = Number(params.get('r'));
    const t = Number(params.get('t'));
    if (params.has('r') && params.has('t') && r === 0 && Number.isFinite(t) && t >= 0) wait = Math.max(wait ?? 0, t * 1000);
  }
  return wait;
}

/**
 * How long to wait before retry number `retry` (0 for the first). With a server hint the wait is
 * at least the hint, plus up to one base step of jitter so clients told the same second do not
 * return in lockstep; without one it is full jitter: uniform in [0, min(cap, base · 2^retry)).
 */
export function backoffMs(policy: RetryPolicy, retry: number, hintMs: number | undefined): number {
  if (hintMs !== undefined) return Math.ceil(hintMs + policy.random() * policy.baseDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(policy.random() * ceiling);
}

/** The server's hint from an answer: Retry-After first, else the RateLimit reset of an exhausted policy. */
export function serverHintMs(headers: Headers, nowMs: number): number | undefined {
  return parseRetryAfter(headers.get('retry-after'), nowMs) ?? parseRateLimitReset(headers.get('ratelimit'));
}
