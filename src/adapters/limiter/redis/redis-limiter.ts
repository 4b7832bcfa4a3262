/**
 * The scale-out Limiter: every bucket lives in Redis, so N processes share one bucket per key.
 * One EVALSHA per take (scripts.ts), computing the same GCRA as the memory adapter.
 */
import { assertLimitRule, gcra, gcraPeek } from '../../../core/limits/gcra.ts';
import type { Clock, LimitDecision, LimitRule, Limiter } from '../../../core/limits/limiter.ts';
import type { RedisBus } from '../../pubsub/redis/redis-bus.ts';
import { GCRA } from './scripts.ts';

const TICKS_PER_MS = 1024;

export interface RedisLimiterOptions {
  bus: RedisBus;
  /** Time source in ms, passed to the script (not Redis TIME); default `Date.now`. */
  now?: Clock;
  /**
   * Extra ms an idle bucket is kept after it would be full again. The key's TTL runs on Redis's
   * clock and the bucket on `now`; the grace keeps the two from disagreeing (a test clock that
   * stands still while real time passes). Default 1,000.
   */
  idleGraceMs?: number;
}

/**
 * Buckets are keys `bw:{<key>}:<rule>`: the braces are a Redis Cluster hash tag, so every bucket
 * of one key (its rate, its quotas) lands on one slot, and a script may touch several of them.
 * Each key expires (PX) once its bucket is full again, so idle keys cost no memory.
 */
export class RedisLimiter implements Limiter {
  private readonly now: Clock;
  private readonly grace: number;

  constructor(private readonly o: RedisLimiterOptions) {
    this.now = o.now ?? Date.now;
    this.grace = o.idleGraceMs ?? 1000;
  }

  /** The Redis key of a bucket. */
  bucketKey(key: string, rule: LimitRule): string {
    return `${this.o.bus.prefix}{${key}}:${rule.name}`;
  }

  async take(key: string, rule: LimitRule, cost = 1): Promise<LimitDecision> {
    assertLimitRule(rule);
    if (!(Number.isSafeInteger(cost) && cost >= 0)) throw new RangeError(`limit rule ${rule.name}: cost must be a non-negative integer, got ${cost}`);
    const nowMs = this.now();
    const t = Math.ceil((rule.windowMs * TICKS_PER_MS) / rule.limit);
    const reply = (await this.o.bus.eval(GCRA, [this.bucketKey(key, rule)], [
      Math.floor(nowMs * TICKS_PER_MS), t, rule.burst * t, cost, rule.burst, this.grace,
    ])) as [number, string];
    // The script decided on exactly this state; gcra() turns it into the full decision.
    return gcra(tatMs(reply[1]), nowMs, rule, cost).decision;
  }

  async peek(key: string, rule: LimitRule): Promise<LimitDecision> {
    assertLimitRule(rule);
    const nowMs = this.now();
    return gcraPeek(tatMs(await this.o.bus.command.get(this.bucketKey(key, rule))), nowMs, rule);
  }
}

/** A stored TAT (whole ticks) in ms; exact, since ticks stay below 2^53 and 1024 is a power of two. */
function tatMs(stored: string | null): number | undefined {
  if (stored === null || stored === '') return undefined;
  return Number(stored) / TICKS_PER_MS;
}
