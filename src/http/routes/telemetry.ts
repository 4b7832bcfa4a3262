import { assertOrgScope } from '../../core/auth/principal.ts';
import { notFound } from '../../core/errors.ts';
import type { AppDeps } from '../app-deps.ts';
import { defineRoute } from '../policy.ts';
import { Problem } from '../schemas.ts';
import { snapshotStream } from '../snapshot-stream.ts';
import { LanesJson, LanesQuery, lanesJson } from '../telemetry-shapes.ts';

function telemetryOf(deps: AppDeps) {
  if (!deps.telemetry) throw notFound('telemetry');
  return deps.telemetry;
}

/** One frame of the dashboard stream: totals for the chart's deltas, the 60 s lanes, queues, edge. */
async function dashboardSnapshot(deps: AppDeps): Promise<unknown> {
  const telemetry = telemetryOf(deps);
  const queues = (await deps.observability?.queueDepths?.().catch(() => [])) ?? [];
  return {
    at: new Date(deps.clock()).toISOString(),
    totals: telemetry.laneTotals(),
    lanes: lanesJson(telemetry.report('60s')),
    queues: queues.map((q) => ({ queue: q.queue, pending: q.pending, oldest_age_seconds: q.oldestAgeMs === null ? null : Math.round(q.oldestAgeMs / 100) / 10, fresh: q.fresh })),
    edge: { in_flight: deps.edge.gate.inFlight, max_in_flight: deps.edge.gate.max, shed: deps.edge.gate.shed, quarantined: deps.edge.quarantine.list().length },
  };
}

/** Lane telemetry (DESIGN §4, §6) and the Prometheus exposition. */
export const telemetryRoutes = [
  defineRoute({
    method: 'GET', path: '/v1/telemetry/lanes', operationId: 'getLaneTelemetry', tag: 'Telemetry',
    summary: 'Per lane over a window (60s, 5m, 1h): rates, rejections by reason, latency percentiles, top keys and inboxes, recent anomalies. '
      + 'The operator sees every org; an org key its own. Numbers are this process\'s (scope: process)',
    auth: 'operator_or_key', inboxKeys: 'refused', lane: 'control', store: false, query: LanesQuery,
    responses: {
      200: { description: 'The lanes over the window', schema: LanesJson },
      403: { description: 'Inbox-scoped keys cannot read org telemetry', schema: Problem },
    },
    handler: async ({ deps, principal, query }) => {
      let org: string | undefined;
      if (principal?.kind === 'key') {
        assertOrgScope(principal, 'read org telemetry');
        org = principal.orgId;
      }
      return { status: 200, body: lanesJson(telemetryOf(deps).report(query.window, org)) };
    },
  }),
  defineRoute({
    method: 'GET', path: '/v1/telemetry/stream', operationId: 'streamTelemetry', tag: 'Telemetry',
    summary: 'The operator dashboard feed, as Server-Sent Events: a `snapshot` event every second (lane totals, the 60 s lanes, queue depths, the edge)',
    auth: 'operator', lane: 'control', store: false,
    responses: { 200: { description: 'An endless text/event-stream', contentType: 'text/event-stream' } },
    handler: async ({ deps, requestId, signal }) => {
      telemetryOf(deps);
      const body = snapshotStream({
        periodMs: deps.observability?.streamPeriodMs ?? 1000,
        snapshot: async () => JSON.stringify(await dashboardSnapshot(deps)),
        signals: [signal, deps.sse?.shutdown],
      });
      // Headers up front with a stream body: @hono/node-server sends it as is (DESIGN §9's trap).
      return new Response(body, {
        status: 200,
        headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', 'x-request-id': requestId },
      });
    },
  }),
  defineRoute({
    method: 'GET', path: '/metrics', operationId: 'metrics', tag: 'Telemetry',
    summary: 'Prometheus exposition: requests by lane, route, status and code; latency per lane; SMTP, deliveries, webhooks; queues; edge decisions; identities per reputation state',
    auth: 'operator', lane: 'control', store: false,
    responses: { 200: { description: 'Prometheus text format 0.0.4', contentType: 'text/plain' }, 404: { description: 'No metrics backend in this runtime', schema: Problem } },
    handler: async ({ deps, requestId }) => {
      const exposition = deps.observability?.exposition;
      if (!exposition) throw notFound('metrics backend');
      const { contentType, body } = await exposition();
      return new Response(body, { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store', 'x-request-id': requestId } });
    },
  }),
];
