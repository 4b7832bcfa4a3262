/**
 * Loop detection at the edge: a key's fingerprint windows and strikes live in the same
 * LimiterShard as its buckets (shard.ts), so a looping key reaches one object, already warm.
 */
import type { Clock } from '../../../core/limits/limiter.ts';
import { loopPolicy, type LoopDetector, type LoopHit, type LoopPolicy, type LoopStrikes, type StrikeResult } from '../../../core/loops/loop-detector.ts';
import { callShard, fingerprintOwner, type LimiterNamespace } from './shard.ts';

export interface DurableObjectLoopOptions extends Partial<LoopPolicy> {
  /** The LIMITER binding. */
  namespace: LimiterNamespace;
  /** Time source in ms, sent with each call; default `Date.now`. */
  now?: Clock;
}

function split(o: DurableObjectLoopOptions): { namespace: LimiterNamespace; now: Clock; policy: LoopPolicy } {
  const { namespace, now, ...policy } = o;
  // Validated here, so a bad configuration fails at start-up rather than on the first loop.
  return { namespace, now: now ?? Date.now, policy: loopPolicy(policy) };
}

/** Sightings per fingerprint, in the object of the key the fingerprint belongs to. */
export class DurableObjectLoopDetector implements LoopDetector {
  readonly #o: { namespace: LimiterNamespace; now: Clock; policy: LoopPolicy };

  constructor(options: DurableObjectLoopOptions) {
    this.#o = split(options);
  }

  hit(fingerprint: string): Promise<LoopHit> {
    const { namespace, now, policy } = this.#o;
    const at = now();
    return callShard(namespace, fingerprintOwner(fingerprint), (shard) => shard.hit(fingerprint, policy, at));
  }
}

/** Strike counts and quarantine escalation per key, in the key's object. */
export class DurableObjectLoopStrikes implements LoopStrikes {
  readonly #o: { namespace: LimiterNamespace; now: Clock; policy: LoopPolicy };

  constructor(options: DurableObjectLoopOptions) {
    this.#o = split(options);
  }

  strike(keyId: string): Promise<StrikeResult> {
    const { namespace, now, policy } = this.#o;
    const at = now();
    return callShard(namespace, keyId, (shard) => shard.strike(keyId, policy, at));
  }
}
