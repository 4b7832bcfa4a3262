import type { Context } from 'hono';
import { MemoryLimiter } from '../../adapters/limiter/memory/memory-limiter.ts';
import { MemoryLoopDetector, MemoryLoopStrikes } from '../../adapters/limiter/memory/memory-loop-detector.ts';
import { MemoryQuarantine } from '../../adapters/quarantine/memory/memory-quarantine.ts';
import { RejectionCounter } from '../../core/lanes/rejections.ts';
import { EDGE_DEFAULTS, type EdgeLimits } from '../../core/limits/defaults.ts';
import type { Clock } from '../../core/ports.ts';
import type { QuarantinePersistence } from '../../core/quarantine/quarantine.ts';
import type { EdgeDeps } from '../../http/edge/edge-deps.ts';
import { InFlightGate } from '../../http/edge/in-flight-gate.ts';

export interface MemoryEdgeOptions {
  clock: Clock;
  limits?: EdgeLimits;
  persistence?: QuarantinePersistence;
  clientAddress?: (c: Context) => string;
}

/** The socket peer under @hono/node-server; requests without a socket (app.request) share one bucket. */
export function nodeClientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'local';
}

/** The single-node edge: every limit, loop and quarantine check in this process's memory. */
export async function createMemoryEdge(o: MemoryEdgeOptions): Promise<EdgeDeps & { quarantine: MemoryQuarantine }> {
  const limits = o.limits ?? EDGE_DEFAULTS;
  const quarantine = new MemoryQuarantine({ clock: o.clock, persistence: o.persistence });
  await quarantine.load();
  return {
    limiter: new MemoryLimiter({ now: o.clock }),
    loops: new MemoryLoopDetector({ now: o.clock }),
    strikes: new MemoryLoopStrikes({ now: o.clock }),
    quarantine,
    limits,
    rejections: new RejectionCounter(),
    gate: new InFlightGate(limits.maxInFlight),
    clientAddress: o.clientAddress ?? nodeClientAddress,
  };
}
