/**
 * The RateLimit header fields of draft-ietf-httpapi-ratelimit-headers, as DESIGN §4 shows them:
 *   RateLimit-Policy: "key";q=20;w=1
 *   RateLimit: "key";r=0;t=1
 * plus Retry-After (RFC 9110 §10.2.3) on a denial. Plain name/value pairs, so the HTTP layer
 * decides how to attach them; core never builds a response.
 */
import type { LimitDecision } from './limiter.ts';

/** Header names mapped to values, ready for `Headers` or `c.header()`. */
export interface RateLimitHeaders {
  'RateLimit-Policy': string;
  RateLimit: string;
  'Retry-After'?: string;
}

/**
 * Headers for one policy's decision. `q` is the rule's `limit`, `w` its window in whole seconds
 * (rounded up: the draft's `w` is an integer), `r` the remaining tokens, `t` the seconds until the
 * bucket is full (rounded up). Retry-After is present only when denied, and at least 1 so a
 * client never reads "retry now" from a refusal.
 */
export function rateLimitHeaders(policyName: string, decision: LimitDecision): RateLimitHeaders {
  const name = sfString(policyName);
  const headers: RateLimitHeaders = {
    'RateLimit-Policy': `${name};q=${decision.limit};w=${Math.ceil(decision.rule.windowMs / 1000)}`,
    RateLimit: `${name};r=${decision.remaining};t=${Math.ceil(decision.resetMs / 1000)}`,
  };
  if (!decision.ok) headers['Retry-After'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return headers;
}

/** An RFC 8941 §3.3.3 sf-string: printable ASCII, with `"` and `\` escaped. */
function sfString(value: string): string {
  // Names come from configuration, not requests: a bad one is a deployment fault, so throw.
  if (!/^[\x20-\x7e]*$/.test(value)) throw new RangeError(`policy name is not printable ASCII: ${JSON.stringify(value)}`);
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}
