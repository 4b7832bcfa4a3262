/**
 * Loop detection state in this process's memory, bounded by LRU maps. Synchronous variants
 * (`hitSync`, `strikeSync`) serve the single-node edge without a promise per request.
 */
import { LRUCache } from 'lru-cache';
import type { Clock } from '../../../core/limits/limiter.ts';
import { loopPolicy, quarantineDurationMs, type LoopDetector, type LoopHit, type LoopPolicy, type LoopStrikes, type StrikeResult } from '../../../core/loops/loop-detector.ts';

/** Options for {@link MemoryLoopDetector} and {@link MemoryLoopStrikes}: policy overrides plus memory bounds. */
export interface MemoryLoopOptions extends Partial<LoopPolicy> {
  /** Fingerprints (or keys, for strikes) remembered before the least recently used is forgotten; default 100,000. */
  maxKeys?: number;
  /** Time source in ms; default `Date.now`. */
  now?: Clock;
}

/**
 * A sliding-window log per fingerprint holding only the last `maxRepeats + 1` sightings: that is
 * all a "more than maxRepeats within windowMs" verdict needs. Logs live side by side in one
 * preallocated Float64Array, so a sighting allocates nothing. A forgotten fingerprint starts a
 * new count, which at worst lets a loop run `maxRepeats` more times.
 */
export class MemoryLoopDetector implements LoopDetector {
  readonly #policy: LoopPolicy;
  readonly #now: Clock;
  readonly #slots: LRUCache<string, number>;
  readonly #times: Float64Array;
  readonly #width: number;

  constructor(options: MemoryLoopOptions = {}) {
    this.#policy = loopPolicy(pickPolicy(options));
    this.#now = options.now ?? Date.now;
    const maxKeys = positive('maxKeys', options.maxKeys ?? 100_000);
    this.#width = this.#policy.maxRepeats + 1;
    this.#slots = new LRUCache<string, number>({ max: maxKeys });
    this.#times = new Float64Array(maxKeys * this.#width);
  }

  /** {@link LoopDetector.hit}, synchronously. */
  hitSync(fingerprint: string): LoopHit {
    const now = this.#now();
    let slot = this.#slots.get(fingerprint);
    if (slot === undefined) {
      slot = this.#slots.size < this.#slots.max ? this.#slots.size : (this.#slots.pop() as number);
      this.#slots.set(fingerprint, slot);
      this.#times.fill(-Infinity, slot * this.#width, (slot + 1) * this.#width);
    }
    const count = record(this.#times, slot * this.#width, this.#width, now, this.#policy.windowMs);
    return { loop: count > this.#policy.maxRepeats, count };
  }

  async hit(fingerprint: string): Promise<LoopHit> {
    return this.hitSync(fingerprint);
  }
}

/**
 * Strike counts per key: the last `strikes` loop detections and how many quarantines the key
 * has had, so each repeat quarantine doubles. Keys that loop are few, so plain objects suffice.
 */
export class MemoryLoopStrikes implements LoopStrikes {
  readonly #policy: LoopPolicy;
  readonly #now: Clock;
  readonly #keys: LRUCache<string, StrikeState>;

  constructor(options: MemoryLoopOptions = {}) {
    this.#policy = loopPolicy(pickPolicy(options));
    this.#now = options.now ?? Date.now;
    this.#keys = new LRUCache<string, StrikeState>({ max: positive('maxKeys', options.maxKeys ?? 100_000) });
  }

  /** {@link LoopStrikes.strike}, synchronously. */
  strikeSync(keyId: string): StrikeResult {
    const now = this.#now();
    const p = this.#policy;
    let state = this.#keys.get(keyId);
    if (state === undefined) {
      state = { times: new Float64Array(p.strikes).fill(-Infinity), repeats: 0, quarantinedUntil: -Infinity };
      this.#keys.set(keyId, state);
    }
    const strikes = record(state.times, 0, p.strikes, now, p.strikeWindowMs);
    if (strikes < p.strikes) return { quarantineMs: null, strikes };
    if (now - state.quarantinedUntil >= p.forgetMs) state.repeats = 0;
    const quarantineMs = quarantineDurationMs(state.repeats, p);
    state.repeats++;
    state.quarantinedUntil = now + quarantineMs;
    // The quarantine settles these strikes; the next one needs a fresh run of detections.
    state.times.fill(-Infinity);
    return { quarantineMs, strikes };
  }

  async strike(keyId: string): Promise<StrikeResult> {
    return this.strikeSync(keyId);
  }
}

interface StrikeState {
  times: Float64Array;
  repeats: number;
  quarantinedUntil: number;
}

/**
 * Writes `now` over the oldest of `width` times at `offset` and returns how many of them,
 * `now` included, fall within `(now - windowMs, now]`. Times from a clock that stepped back
 * count as recent, which errs toward detecting. Shared with the Durable Object shard's strikes.
 */
export function record(times: Float64Array, offset: number, width: number, now: number, windowMs: number): number {
  let oldest = offset;
  let count = 1;
  for (let i = offset; i < offset + width; i++) {
    const t = times[i] as number;
    if (t < (times[oldest] as number)) oldest = i;
    if (t > now - windowMs) count++;
  }
  // The oldest entry is overwritten; if it was still in the window the log is full and the count saturates.
  times[oldest] = now;
  return Math.min(count, width);
}

function pickPolicy(options: MemoryLoopOptions): Partial<LoopPolicy> {
  const { maxKeys: _maxKeys, now: _now, ...policy } = options;
  return policy;
}

function positive(name: string, value: number): number {
  if (!(Number.isSafeInteger(value) && value > 0)) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
