/**
 * Counts every limiter and loop-detector decision by wrapping the ports, so the edge code and
 * every adapter (memory, Redis, Durable Object) stay unaware of metrics. Synchronous fast
 * paths (`takeSync`, `peekSync`, `hitSync`) are kept when the wrapped adapter has them.
 */
import type { LimitDecision, LimitRule } from '../limits/limiter.ts';
import type { EdgeLimiter } from '../limits/outbound-guard.ts';
import type { LoopDetector, LoopHit } from '../loops/loop-detector.ts';
import type { Metrics } from './metrics.ts';

type SyncPeek = { peekSync?: (key: string, rule: LimitRule) => LimitDecision };
type SyncLoop = LoopDetector & { hitSync?: (fingerprint: string) => LoopHit };

/** The limiter with each take counted under its rule's name; peeks are reads, not decisions. */
export function observeLimiter<L extends EdgeLimiter & SyncPeek>(inner: L, metrics: Metrics): EdgeLimiter & SyncPeek {
  const count = (rule: LimitRule, d: LimitDecision) => {
    metrics.decision('limiter', rule.name, d.ok);
    return d;
  };
  const out: EdgeLimiter & SyncPeek = {
    take: async (key, rule, cost) => count(rule, await inner.take(key, rule, cost)),
    peek: (key, rule) => inner.peek(key, rule),
  };
  if (inner.takeSync) {
    const takeSync = inner.takeSync.bind(inner);
    out.takeSync = (key, rule, cost) => count(rule, takeSync(key, rule, cost));
  }
  if (inner.peekSync) out.peekSync = inner.peekSync.bind(inner);
  return out;
}

/** The loop detector with each sighting counted: allowed, or refused as a loop. */
export function observeLoops(inner: SyncLoop, metrics: Metrics): SyncLoop {
  const count = (hit: LoopHit) => {
    metrics.decision('loop', 'loop', !hit.loop);
    return hit;
  };
  const out: SyncLoop = { hit: async (fp) => count(await inner.hit(fp)) };
  if (inner.hitSync) {
    const hitSync = inner.hitSync.bind(inner);
    out.hitSync = (fp) => count(hitSync(fp));
  }
  return out;
}
