/**
 * Loop detection shared by every process through Redis: the same sliding log and strike counts
 * as memory-loop-detector.ts, each sighting or strike one script call (scripts.ts).
 */
import type { Clock } from '../../../core/limits/limiter.ts';
import { loopPolicy, type LoopDetector, type LoopHit, type LoopPolicy, type LoopStrikes, type StrikeResult } from '../../../core/loops/loop-detector.ts';
import type { RedisBus } from '../../pubsub/redis/redis-bus.ts';
import { LOOP_HIT, LOOP_STRIKE } from './scripts.ts';

export interface RedisLoopOptions extends Partial<LoopPolicy> {
  bus: RedisBus;
  /** Time source in ms, passed to the scripts; default `Date.now`. */
  now?: Clock;
  /** Extra ms state is kept beyond what the policy needs (see RedisLimiterOptions.idleGraceMs); default 1,000. */
  idleGraceMs?: number;
}

function split(o: RedisLoopOptions): { policy: LoopPolicy; now: Clock; grace: number } {
  const { bus: _bus, now, idleGraceMs, ...policy } = o;
  return { policy: loopPolicy(policy), now: now ?? Date.now, grace: idleGraceMs ?? 1000 };
}

/** Fingerprint logs at `bw:loop:{<fingerprint>}`, each expiring a window after its last sighting. */
export class RedisLoopDetector implements LoopDetector {
  private readonly policy: LoopPolicy;
  private readonly now: Clock;
  private readonly grace: number;

  constructor(private readonly o: RedisLoopOptions) {
    ({ policy: this.policy, now: this.now, grace: this.grace } = split(o));
  }

  async hit(fingerprint: string): Promise<LoopHit> {
    const p = this.policy;
    const count = Number(await this.o.bus.eval(LOOP_HIT, [`${this.o.bus.prefix}loop:{${fingerprint}}`], [this.now(), p.windowMs, p.maxRepeats + 1, this.grace]));
    return { loop: count > p.maxRepeats, count };
  }
}

/** Strike state per key at `bw:{<key id>}:strikes`, beside the key's buckets (one Cluster slot). */
export class RedisLoopStrikes implements LoopStrikes {
  private readonly policy: LoopPolicy;
  private readonly now: Clock;
  private readonly grace: number;

  constructor(private readonly o: RedisLoopOptions) {
    ({ policy: this.policy, now: this.now, grace: this.grace } = split(o));
  }

  async strike(keyId: string): Promise<StrikeResult> {
    const p = this.policy;
    const [ms, strikes] = (await this.o.bus.eval(LOOP_STRIKE, [`${this.o.bus.prefix}{${keyId}}:strikes`], [
      this.now(), p.strikes, p.strikeWindowMs, p.forgetMs, p.quarantineMs, p.maxQuarantineMs, this.grace,
    ])) as [number, number];
    return { quarantineMs: ms < 0 ? null : Number(ms), strikes: Number(strikes) };
  }
}
