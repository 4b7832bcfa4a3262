import { MemoryLimiter } from '../../adapters/limiter/memory/memory-limiter.ts';
import { MemoryLoopDetector, MemoryLoopStrikes } from '../../adapters/limiter/memory/memory-loop-detector.ts';
import { FallbackLimiter, FallbackLoopDetector, FallbackLoopStrikes } from '../../adapters/limiter/redis/fallback.ts';
import { RedisLimiter } from '../../adapters/limiter/redis/redis-limiter.ts';
import { RedisLoopDetector, RedisLoopStrikes } from '../../adapters/limiter/redis/redis-loop-detector.ts';
import { NodeCensus } from '../../adapters/pubsub/redis/node-census.ts';
import type { RedisBus } from '../../adapters/pubsub/redis/redis-bus.ts';
import { RedisQuarantine } from '../../adapters/quarantine/redis/redis-quarantine.ts';
import { RejectionCounter } from '../../core/lanes/rejections.ts';
import { EDGE_DEFAULTS, type EdgeLimits } from '../../core/limits/defaults.ts';
import type { Clock, Logger } from '../../core/ports.ts';
import type { QuarantinePersistence } from '../../core/quarantine/quarantine.ts';
import type { EdgeDeps } from '../../http/edge/edge-deps.ts';
import { InFlightGate } from '../../http/edge/in-flight-gate.ts';
import { nodeClientAddress } from './edge.ts';

export interface RedisEdgeOptions {
  bus: RedisBus;
  clock: Clock;
  logger: Logger;
  persistence: QuarantinePersistence;
  /** BREAKWATER_NODE_COUNT: the node count until the nodes have counted themselves in Redis. */
  nodeCount: number;
  limits?: EdgeLimits;
}

/**
 * The scale-out edge: buckets, loop logs and strikes in Redis, shared by every process, each with
 * a local fallback for when Redis is down; the quarantine registry in memory, kept in step by
 * pub/sub and the store. The in-flight gate stays per process: it protects this process's pool.
 */
export async function createRedisEdge(o: RedisEdgeOptions): Promise<EdgeDeps & { quarantine: RedisQuarantine; census: NodeCensus }> {
  const limits = o.limits ?? EDGE_DEFAULTS;
  const { bus, clock } = o;
  const quarantine = new RedisQuarantine({ bus, clock, persistence: o.persistence, logger: o.logger });
  await quarantine.load();
  // The count each node divides the limits by while Redis is down, kept while Redis is up.
  const census = new NodeCensus({ bus, configured: o.nodeCount });
  await census.start();
  return {
    census,
    limiter: new FallbackLimiter({ bus, nodeCount: () => census.count(), primary: new RedisLimiter({ bus, now: clock }), local: new MemoryLimiter({ now: clock }) }),
    loops: new FallbackLoopDetector({ bus, primary: new RedisLoopDetector({ bus, now: clock }), local: new MemoryLoopDetector({ now: clock }) }),
    strikes: new FallbackLoopStrikes({ bus, primary: new RedisLoopStrikes({ bus, now: clock }), local: new MemoryLoopStrikes({ now: clock }) }),
    quarantine,
    limits,
    rejections: new RejectionCounter(),
    gate: new InFlightGate(limits.maxInFlight),
    clientAddress: nodeClientAddress,
  };
}
