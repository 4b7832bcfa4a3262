/**
 * Loop detection (DESIGN §5): an agent stuck in a while-loop sends the same request again and
 * again. The same fingerprint more than `maxRepeats` times in `windowMs` is a loop (answered
 * `loop_detected`); `strikes` loop detections within `strikeWindowMs` quarantine the key's
 * outbound lane, for longer each time it happens again.
 *
 * Ports, so the single-node shape keeps this state in memory and the scale-out and edge shapes
 * in Redis or a Durable Object. Promises reject only on faults.
 */

/** One sighting of a fingerprint. */
export interface LoopHit {
  /** True when this sighting makes more than `maxRepeats` within the window. */
  loop: boolean;
  /** Sightings within the window, this one included; counted up to `maxRepeats + 1`. */
  count: number;
}

/** One loop detection charged to a key. */
export interface StrikeResult {
  /** How long to quarantine the key's outbound lane, or null when this strike does not. */
  quarantineMs: number | null;
  /** Strikes within the strike window, this one included. */
  strikes: number;
}

/** Counts identical requests by fingerprint over a sliding window. */
export interface LoopDetector {
  /** Record a sighting of `fingerprint` now and say whether it is a loop. */
  hit(fingerprint: string): Promise<LoopHit>;
}

/** Turns repeated loop detections of one key into escalating quarantines. */
export interface LoopStrikes {
  /** Record a loop detection for `keyId` now; a quarantine starts a fresh strike count. */
  strike(keyId: string): Promise<StrikeResult>;
}

/** Loop policy; DESIGN §5 defaults in {@link LOOP_DEFAULTS}. */
export interface LoopPolicy {
  /** Sightings allowed within `windowMs`; one more is a loop. */
  maxRepeats: number;
  windowMs: number;
  /** Loop detections within `strikeWindowMs` that quarantine a key. */
  strikes: number;
  strikeWindowMs: number;
  /** First quarantine; each repeat doubles it, up to `maxQuarantineMs`. */
  quarantineMs: number;
  maxQuarantineMs: number;
  /** A key quarantine-free this long after its last quarantine ended starts again at `quarantineMs`. */
  forgetMs: number;
}

/** DESIGN §5: more than 3 in 10 s is a loop; 5 loops in a minute quarantine for 60 s, doubling up to 1 h. */
export const LOOP_DEFAULTS: Readonly<LoopPolicy> = Object.freeze({
  maxRepeats: 3,
  windowMs: 10_000,
  strikes: 5,
  strikeWindowMs: 60_000,
  quarantineMs: 60_000,
  maxQuarantineMs: 3_600_000,
  // A day: long enough that a key looping every few hours keeps escalating, short enough that
  // one bad deploy is not held against a key forever.
  forgetMs: 86_400_000,
});

/** The quarantine for a key's `repeat`-th quarantine (0 = first) under `policy`. */
export function quarantineDurationMs(repeat: number, policy: Pick<LoopPolicy, 'quarantineMs' | 'maxQuarantineMs'>): number {
  // 2 ** repeat overflows to Infinity rather than wrapping, so min() still caps it.
  return Math.min(policy.maxQuarantineMs, policy.quarantineMs * 2 ** repeat);
}

/** Merges overrides onto the defaults and rejects values that would disable or break detection. */
export function loopPolicy(overrides: Partial<LoopPolicy> = {}): LoopPolicy {
  const policy: LoopPolicy = { ...LOOP_DEFAULTS };
  for (const name of Object.keys(LOOP_DEFAULTS) as (keyof LoopPolicy)[]) {
    // An option left undefined (an unset config value) keeps its default.
    const value = overrides[name] ?? LOOP_DEFAULTS[name];
    if (!(Number.isSafeInteger(value) && value > 0)) throw new RangeError(`loop policy ${name} must be a positive integer, got ${value}`);
    policy[name] = value;
  }
  return policy;
}
