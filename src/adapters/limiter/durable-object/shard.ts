/**
 * Which LimiterShard holds an identity's state, and how a call to it fails.
 *
 * Sharding: one object per limited identity, named by the limiter key itself (key id, inbox id,
 * org id, client address). All buckets of an identity (its rate, its quotas), its loop windows
 * and its strikes share that object, so one API request reaches one warm object, and an object's
 * load is one identity's own traffic: no object carries global load (Cloudflare's soft limit is
 * about 1,000 requests/s per object), and an identity that floods its object slows only itself.
 * An object per (rule, key) would spread one identity over several cold objects for no gain:
 * the rules of one identity are a handful and each request touches one or two of them.
 */
import { BreakwaterError } from '../../../core/errors.ts';
import type { LimiterShard } from '../../../runtime/workers/objects/limiter-shard.ts';

/** The LIMITER binding: one LimiterShard per identity. */
export type LimiterNamespace = DurableObjectNamespace<LimiterShard>;

/**
 * The identity a loop fingerprint belongs to: fingerprints are `<keyId>:<hash>` (fingerprint.ts),
 * so a key's loop windows live beside its bucket and strikes. Anything else is its own identity.
 */
export function fingerprintOwner(fingerprint: string): string {
  const colon = fingerprint.lastIndexOf(':');
  return colon > 0 ? fingerprint.slice(0, colon) : fingerprint;
}

/**
 * Calls the identity's object. An error the object's own code threw (a RangeError for a bad
 * rule) passes through as the fault it is. An infrastructure error that Cloudflare marks
 * retryable is retried once, as its documentation advises; an overloaded object, or a retry
 * that fails again, becomes `overloaded` (503 with Retry-After). That fails closed for this one
 * identity, which is right here: an object is overloaded by its own identity's traffic, and no
 * other isolate could answer for the bucket instead (the Redis shape's per-node share has no
 * meaning with thousands of short-lived isolates).
 */
export async function callShard<T>(namespace: LimiterNamespace, identity: string, call: (stub: DurableObjectStub<LimiterShard>) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      // A fresh stub per call: a stub that saw an infrastructure error may stay broken.
      return await call(namespace.getByName(identity));
    } catch (err) {
      const e = err as { remote?: boolean; retryable?: boolean; overloaded?: boolean };
      if (err instanceof RangeError || e.remote === true) throw err;
      if (e.retryable === true && e.overloaded !== true && attempt === 0) continue;
      if (e.retryable === true || e.overloaded === true) {
        // Extras reach the problem body, so the cause stays out of them (no internals to clients).
        throw new BreakwaterError('overloaded', 'the limiter for this identity is overloaded or unavailable', {
          rule: 'limiter',
          fix: 'Retry after the Retry-After delay, with back-off.',
          retryAfterSeconds: 1,
        });
      }
      throw err;
    }
  }
}
