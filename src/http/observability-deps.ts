import type { AdminReads } from '../core/admin/admin-reads.ts';
import type { QueueDepth } from '../core/lanes/queue-sampler.ts';

/**
 * What the telemetry, metrics, admin and dashboard routes need from the runtime. Each piece is
 * optional: a runtime without it answers those routes with 404 (`/metrics` without a backend)
 * or leaves the piece out (no queue depths).
 */
export interface ObservabilityDeps {
  /** The Prometheus exposition (Node: prom-client's registry). */
  exposition?: () => Promise<{ contentType: string; body: string }>;
  /** Depth and oldest job age per queue, shared and time-boxed (core/lanes/queue-sampler.ts). */
  queueDepths?: () => Promise<QueueDepth[]>;
  /** The operator's reads across orgs. */
  admin?: AdminReads;
  /** The dashboard's static files (page, script, styles, uPlot), served locally: no CDN. */
  dashboardAsset?: (name: string) => Response | null;
  /** Snapshot period of `GET /v1/telemetry/stream` in ms (default 1000). */
  streamPeriodMs?: number;
}
