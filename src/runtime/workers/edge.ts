import type { Context } from 'hono';
import { DurableObjectLimiter } from '../../adapters/limiter/durable-object/durable-object-limiter.ts';
import { DurableObjectLoopDetector, DurableObjectLoopStrikes } from '../../adapters/limiter/durable-object/durable-object-loop-detector.ts';
import { DurableObjectQuarantine } from '../../adapters/quarantine/durable-object/durable-object-quarantine.ts';
import { RejectionCounter } from '../../core/lanes/rejections.ts';
import { EDGE_DEFAULTS, type EdgeLimits } from '../../core/limits/defaults.ts';
import type { Clock, Logger } from '../../core/ports.ts';
import type { EdgeDeps } from '../../http/edge/edge-deps.ts';
import { InFlightGate } from '../../http/edge/in-flight-gate.ts';
import type { BreakwaterEnv } from './env.ts';

/**
 * The client's address as Cloudflare saw it. Requests that did not come through Cloudflare's edge
 * (tests calling the handler directly) have no header and share one bucket, as on Node.
 */
export function workersClientAddress(c: Context): string {
  return c.req.header('CF-Connecting-IP') ?? 'local';
}

/**
 * The edge shape's defensive edge: buckets, loop windows and strikes in LimiterShard objects (one
 * per identity), the quarantine registry in its object with a copy in this isolate. Build it once
 * per isolate (module scope) and reuse it: the in-flight gate and the quarantine copy are per
 * isolate by design, the gate protecting what this isolate has open. Rejects when the registry
 * cannot be loaded (fail closed); do not cache a rejected build, so the next request tries again.
 */
export async function createDurableObjectEdge(
  env: Pick<BreakwaterEnv, 'LIMITER' | 'QUARANTINE'>,
  clock: Clock,
  limits: EdgeLimits = EDGE_DEFAULTS,
  logger?: Logger,
): Promise<EdgeDeps & { quarantine: DurableObjectQuarantine }> {
  const quarantine = new DurableObjectQuarantine({ namespace: env.QUARANTINE, clock, logger });
  await quarantine.load();
  return {
    limiter: new DurableObjectLimiter({ namespace: env.LIMITER, now: clock }),
    loops: new DurableObjectLoopDetector({ namespace: env.LIMITER, now: clock }),
    strikes: new DurableObjectLoopStrikes({ namespace: env.LIMITER, now: clock }),
    quarantine,
    limits,
    rejections: new RejectionCounter(),
    gate: new InFlightGate(limits.maxInFlight),
    clientAddress: workersClientAddress,
  };
}
