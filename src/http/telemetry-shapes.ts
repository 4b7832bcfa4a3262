/** Wire shapes of the telemetry routes: snake_case, ISO times, and their schemas for OpenAPI. */
import { z } from 'zod';
import type { Anomaly } from '../core/lanes/anomalies.ts';
import type { LaneReport, LanesReport } from '../core/lanes/telemetry.ts';
import type { TopEntry } from '../core/lanes/top-k.ts';
import { iso } from './serialize.ts';

const talkerJson = (e: TopEntry) => ({ id: e.id, org_id: e.org, count: e.count });

function laneJson(l: LaneReport) {
  return {
    requests: l.requests, accepted: l.accepted, rejected: l.rejected,
    rate_per_second: l.rates,
    rejections: l.rejections,
    latency_ms: l.latencyMs,
    top_talkers: {
      keys_by_volume: l.talkers.keysByVolume.map(talkerJson), keys_by_rejections: l.talkers.keysByRejections.map(talkerJson),
      inboxes_by_volume: l.talkers.inboxesByVolume.map(talkerJson), inboxes_by_rejections: l.talkers.inboxesByRejections.map(talkerJson),
    },
  };
}

/** One anomaly episode on the wire. */
export function anomalyJson(a: Anomaly) {
  return {
    kind: a.kind, lane: a.lane, subject: a.subject, org_id: a.org, reason: a.reason, count: a.count,
    first_at: iso(a.firstAt), last_at: iso(a.lastAt),
  };
}

/** `GET /v1/telemetry/lanes`: every lane over the window. */
export function lanesJson(r: LanesReport) {
  return {
    window: r.window, window_seconds: r.windowMs / 1000, span_seconds: Math.round(r.spanMs / 100) / 10,
    generated_at: iso(r.at), org_id: r.org,
    // Numbers are this process's own; in the scale-out shape every node answers for itself.
    scope: 'process' as const,
    lanes: { inbound: laneJson(r.lanes.inbound), outbound: laneJson(r.lanes.outbound), control: laneJson(r.lanes.control) },
    anomalies: r.anomalies.map(anomalyJson),
  };
}

const Talker = z.object({ id: z.string(), org_id: z.string().nullable(), count: z.number() });
const LaneJson = z.object({
  requests: z.number(), accepted: z.number(), rejected: z.number(),
  rate_per_second: z.object({ requests: z.number(), accepted: z.number(), rejected: z.number() }),
  rejections: z.record(z.string(), z.number()),
  latency_ms: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable(), mean: z.number().nullable() }),
  top_talkers: z.object({ keys_by_volume: z.array(Talker), keys_by_rejections: z.array(Talker), inboxes_by_volume: z.array(Talker), inboxes_by_rejections: z.array(Talker) }),
});
/** Response shapes and the query, for validation and OpenAPI. */
export const AnomalyJson = z.object({
  kind: z.string(), lane: z.string(), subject: z.object({ kind: z.string(), id: z.string() }), org_id: z.string().nullable(),
  reason: z.string(), count: z.number(), first_at: z.string(), last_at: z.string(),
});
export const LanesJson = z.object({
  window: z.enum(['60s', '5m', '1h']), window_seconds: z.number(), span_seconds: z.number(), generated_at: z.string(),
  org_id: z.string().nullable(), scope: z.literal('process'),
  lanes: z.object({ inbound: LaneJson, outbound: LaneJson, control: LaneJson }),
  anomalies: z.array(AnomalyJson),
});
export const LanesQuery = z.strictObject({ window: z.enum(['60s', '5m', '1h']).default('60s') });
