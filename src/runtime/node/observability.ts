import type { Kysely } from 'kysely';
import { PromMetrics } from '../../adapters/metrics/prom-client/prom-metrics.ts';
import { SqlAdminReads } from '../../adapters/store/sql/admin-reads.ts';
import type { Database } from '../../adapters/store/sql/schema.ts';
import type { AdminReads } from '../../core/admin/admin-reads.ts';
import { DELIVERY_QUEUE, WEBHOOK_QUEUE } from '../../core/context.ts';
import type { Deliverability } from '../../core/deliverability.ts';
import { observeLimiter, observeLoops } from '../../core/lanes/observe-edge.ts';
import { QueueSampler } from '../../core/lanes/queue-sampler.ts';
import { LaneTelemetry } from '../../core/lanes/telemetry.ts';
import type { Clock, Queue } from '../../core/ports.ts';
import type { EdgeDeps } from '../../http/edge/edge-deps.ts';
import type { ObservabilityDeps } from '../../http/observability-deps.ts';
import { dashboardAsset } from './dashboard-assets.ts';

export interface ObservabilityOptions {
  db: Kysely<Database>;
  queue: Pick<Queue, 'depth'>;
  edge: EdgeDeps;
  clock: Clock;
  deliverability?: Deliverability;
}

/** Inboxes per reputation state: the unhealthy ones from the deliverability store, the rest healthy. */
async function identitiesByState(admin: AdminReads, deliverability?: Deliverability): Promise<Record<string, number>> {
  const out: Record<string, number> = { healthy: 0, warning: 0, throttled: 0, paused: 0 };
  const total = await admin.countInboxes();
  let unhealthy = 0;
  for (const r of (await deliverability?.store.listUnhealthy()) ?? []) {
    out[r.state] = (out[r.state] ?? 0) + 1;
    unhealthy++;
  }
  out.healthy = Math.max(0, total - unhealthy);
  return out;
}

type ReputationService = Deliverability['reputation'];
const OUTCOMES = ['recordSent', 'recordHardBounce', 'recordComplaint', 'resume'] as const;

/**
 * Reports each reputation state change as an anomaly (a pause, a throttle, a resume), by
 * wrapping the service's outcome methods: each resolves the inbox's new state.
 */
function observeReputation(reputation: ReputationService, telemetry: LaneTelemetry): void {
  for (const name of OUTCOMES) {
    const original = reputation[name].bind(reputation) as (inbox: { id: string; orgId: string }, ...rest: never[]) => Promise<string>;
    (reputation as unknown as Record<string, unknown>)[name] = async (inbox: { id: string; orgId: string }, ...rest: never[]) => {
      const before = reputation.stateOf(inbox.id);
      const after = await original(inbox, ...rest);
      if (after !== before) {
        telemetry.anomaly({
          kind: after === 'paused' ? 'pause' : after === 'throttled' ? 'throttle' : 'reputation', lane: 'outbound',
          subject: { kind: 'inbox', id: inbox.id }, org: inbox.orgId, reason: `reputation ${before} → ${after}`,
        });
      }
      return after;
    };
  }
}

/**
 * Lane telemetry and the Prometheus registry of a Node process, the dashboard's assets and the
 * operator's cross-org reads. Wraps the edge's limiter and loop detector in place, so every
 * decision is counted wherever it is taken (the HTTP edge and the send path share `edge`).
 */
export function createObservability(o: ObservabilityOptions): { telemetry: LaneTelemetry; observability: ObservabilityDeps } {
  const admin = new SqlAdminReads(o.db);
  // One depth read per second at most, shared by scrapes and every open dashboard.
  const sampler = new QueueSampler({ queue: o.queue, queues: [DELIVERY_QUEUE, WEBHOOK_QUEUE], clock: o.clock, maxAgeMs: 1000, timeoutMs: 2000 });
  const { edge } = o;
  const prom = new PromMetrics({
    queueDepths: () => sampler.sample(),
    identitiesByState: () => identitiesByState(admin, o.deliverability),
    edge: () => ({ inFlight: edge.gate.inFlight, maxInFlight: edge.gate.max, shed: edge.gate.shed, quarantined: edge.quarantine.list() }),
  });
  const telemetry = new LaneTelemetry({ clock: o.clock, metrics: prom });
  if (o.deliverability) observeReputation(o.deliverability.reputation, telemetry);
  edge.limiter = observeLimiter(edge.limiter, prom);
  edge.loops = observeLoops(edge.loops, prom);
  // Chained, not replaced: the event log records quarantine changes through the same hook.
  const previous = edge.onQuarantine;
  edge.onQuarantine = (entry, change) => {
    previous?.(entry, change);
    telemetry.quarantine(entry, change);
  };
  return {
    telemetry,
    observability: { exposition: () => prom.exposition(), queueDepths: () => sampler.sample(), admin, dashboardAsset },
  };
}
