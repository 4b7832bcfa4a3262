/**
 * What the edge does while Redis is unreachable (docs/deployment.md, "When Redis is down"): it
 * keeps answering from this process's memory instead of failing every request.
 *
 * - Limits fail open, but only to this node's share: a local bucket with the rule's rate and
 *   burst divided by the node count (the last census, else BREAKWATER_NODE_COUNT), so N nodes
 *   together stay near the configured limit.
 * - Loop detection and strikes continue on local state; a loop spread over several nodes is
 *   caught later (each node counts its own share) or, with one node, exactly as before.
 *
 * A fault (timeout, connection lost) opens the bus's breaker for a second, so requests do not
 * each wait for a timeout; the first request after it tries Redis again.
 */
import type { MemoryLimiter } from '../memory/memory-limiter.ts';
import type { MemoryLoopDetector, MemoryLoopStrikes } from '../memory/memory-loop-detector.ts';
import type { LimitDecision, LimitRule, Limiter } from '../../../core/limits/limiter.ts';
import type { LoopDetector, LoopHit, LoopStrikes, StrikeResult } from '../../../core/loops/loop-detector.ts';
import type { RedisBus } from '../../pubsub/redis/redis-bus.ts';

/** This node's share of a rule: rate and burst divided by the node count, rounded up, at least 1. */
export function localShare(rule: LimitRule, nodeCount: number): LimitRule {
  if (nodeCount <= 1) return rule;
  return { ...rule, limit: Math.max(1, Math.ceil(rule.limit / nodeCount)), burst: Math.max(1, Math.ceil(rule.burst / nodeCount)) };
}

async function viaRedis<T>(bus: RedisBus, what: string, primary: () => Promise<T>, local: () => T): Promise<T> {
  if (bus.available()) {
    try {
      return await primary();
    } catch (err) {
      // An invalid rule or cost is the caller's bug, not an outage.
      if (err instanceof RangeError) throw err;
      bus.fault(err, what);
    }
  }
  return local();
}

export interface FallbackLimiterOptions {
  bus: RedisBus;
  primary: Limiter;
  local: MemoryLimiter;
  /** How many processes share the limits: a number, or the census's live count (node-census.ts). */
  nodeCount: number | (() => number);
}

/** Redis buckets; this node's share of each in memory while Redis is unavailable. */
export class FallbackLimiter implements Limiter {
  private readonly shares = new WeakMap<LimitRule, { nodes: number; rule: LimitRule }>();

  constructor(private readonly o: FallbackLimiterOptions) {}

  private share(rule: LimitRule): LimitRule {
    const nodes = typeof this.o.nodeCount === 'number' ? this.o.nodeCount : this.o.nodeCount();
    let s = this.shares.get(rule);
    if (!s || s.nodes !== nodes) this.shares.set(rule, (s = { nodes, rule: localShare(rule, nodes) }));
    return s.rule;
  }

  take(key: string, rule: LimitRule, cost = 1): Promise<LimitDecision> {
    return viaRedis(this.o.bus, 'limiter', () => this.o.primary.take(key, rule, cost), () => {
      const share = this.share(rule);
      // A cost the full bucket allows stays possible on a share: clamp it to the share's burst.
      return this.o.local.takeSync(key, share, Math.min(cost, share.burst));
    });
  }

  peek(key: string, rule: LimitRule): Promise<LimitDecision> {
    return viaRedis(this.o.bus, 'limiter', () => this.o.primary.peek(key, rule), () => this.o.local.peekSync(key, this.share(rule)));
  }
}

/** Redis loop logs; local ones while Redis is unavailable. */
export class FallbackLoopDetector implements LoopDetector {
  constructor(private readonly o: { bus: RedisBus; primary: LoopDetector; local: MemoryLoopDetector }) {}

  hit(fingerprint: string): Promise<LoopHit> {
    return viaRedis(this.o.bus, 'loop detector', () => this.o.primary.hit(fingerprint), () => this.o.local.hitSync(fingerprint));
  }
}

/** Redis strike counts; local ones while Redis is unavailable. */
export class FallbackLoopStrikes implements LoopStrikes {
  constructor(private readonly o: { bus: RedisBus; primary: LoopStrikes; local: MemoryLoopStrikes }) {}

  strike(keyId: string): Promise<StrikeResult> {
    return viaRedis(this.o.bus, 'loop strikes', () => this.o.primary.strike(keyId), () => this.o.local.strikeSync(keyId));
  }
}
