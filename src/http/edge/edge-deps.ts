import type { Context } from 'hono';
import type { EdgeLimits } from '../../core/limits/defaults.ts';
import type { EdgeLimiter } from '../../core/limits/outbound-guard.ts';
import type { RejectionCounter } from '../../core/lanes/rejections.ts';
import type { LoopDetector, LoopStrikes } from '../../core/loops/loop-detector.ts';
import type { QuarantineEntry, QuarantineRegistry } from '../../core/quarantine/quarantine.ts';
import type { InFlightGate } from './in-flight-gate.ts';

/** What the defensive edge needs; every piece answers from memory (or Redis), never the store. */
export interface EdgeDeps {
  limiter: EdgeLimiter;
  loops: LoopDetector & { hitSync?: (fingerprint: string) => { loop: boolean; count: number } };
  strikes: LoopStrikes;
  quarantine: QuarantineRegistry;
  limits: EdgeLimits;
  rejections: RejectionCounter;
  gate: InFlightGate;
  /** The client's address as the runtime sees it (socket peer on Node, CF-Connecting-IP on Workers). */
  clientAddress: (c: Context) => string;
  /** Told of every quarantine change, to record it as an event. */
  onQuarantine?: (entry: QuarantineEntry, change: 'added' | 'removed') => void;
}
