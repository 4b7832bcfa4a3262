/**
 * When to retry a webhook delivery, and when to give up on it or on its endpoint.
 * Follows the Standard Webhooks "Retry schedule" and "Delivery success and failure" sections,
 * shortened to about a day (DESIGN §4).
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Delay before attempt n+1, counted from the end of attempt n (index 0: the first attempt,
 * sent at once). 8 attempts over 27 h 35 min 5 s; after the last one the delivery is dead-lettered.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];

/** Total attempts per delivery, the first included. */
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length;

/** An endpoint failing without a single success for this long is disabled. */
export const DISABLE_ENDPOINT_AFTER_MS = 5 * 24 * HOUR;

/** Default jitter: ±10 % of the delay. */
export const DEFAULT_JITTER = 0.1;

export interface RetryDelayOptions {
  /** Fraction of the delay to spread by, both ways (default 0.1; 0 turns it off). */
  jitter?: number;
  /** Uniform in [0, 1); injected in tests. 0.5 gives the exact scheduled delay. */
  random?: () => number;
}

/**
 * Milliseconds to wait after attempt `attemptNumberJustFailed` (1-based) before the next one,
 * or `null` when that was the last attempt and the delivery goes to the dead-letter list.
 * Jitter spreads the retries of many deliveries that failed together (an endpoint outage) so
 * they do not all hit the endpoint again in the same second.
 */
export function nextAttemptDelayMs(attemptNumberJustFailed: number, options: RetryDelayOptions = {}): number | null {
  if (!Number.isSafeInteger(attemptNumberJustFailed) || attemptNumberJustFailed < 1) {
    throw new RangeError(`attempt number must be a positive integer, got ${attemptNumberJustFailed}`);
  }
  const base = RETRY_SCHEDULE_MS[attemptNumberJustFailed];
  if (base === undefined) return null;
  const jitter = options.jitter ?? DEFAULT_JITTER;
  if (!(jitter >= 0 && jitter < 1)) throw new RangeError(`jitter must be in [0, 1), got ${jitter}`);
  const random = options.random ?? Math.random;
  return Math.round(base * (1 + jitter * (2 * random() - 1)));
}

export type ResponseClass = 'success' | 'retry' | 'disable';

/**
 * What an attempt's outcome means. `status` is null when no response came (connection refused,
 * reset, TLS failure, timeout; `error` then says which, for the delivery log).
 * 2xx succeeds. 410 Gone asks us to stop: disable the endpoint. Everything else retries,
 * redirects included: they are not followed (a 3xx to 127.0.0.1 would bypass the address check).
 */
export function classifyResponse(status: number | null, _error?: string): ResponseClass {
  if (status === null) return 'retry';
  if (status >= 200 && status <= 299) return 'success';
  if (status === 410) return 'disable';
  return 'retry';
}

/**
 * True when the endpoint has failed continuously for 5 days: since `firstFailureAtMs`, the
 * first failure after its last success (null when its last attempt succeeded).
 */
export function shouldDisableEndpoint(firstFailureAtMs: number | null, nowMs: number): boolean {
  return firstFailureAtMs !== null && nowMs - firstFailureAtMs >= DISABLE_ENDPOINT_AFTER_MS;
}
