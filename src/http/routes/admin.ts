import { adminReplayDelivery, busiestInboxes, inboxTraffic } from '../../core/admin/admin-service.ts';
import type { AdminReads } from '../../core/admin/admin-reads.ts';
import { notFound } from '../../core/errors.ts';
import type { Inbox } from '../../core/model.ts';
import type { ReputationState } from '../../core/reputation/machine.ts';
import { outboundLimit } from '../../core/reputation/reputation-api.ts';
import type { AppDeps } from '../app-deps.ts';
import {
  AdminDeliveryJson, AdminDeliveryQuery, adminDeliveryJson, AdminInboxQuery, AdminMessageJson, AdminMessageQuery, adminMessageJson,
  IdentityJson, identityJson, type IdentityFacts,
} from '../admin-shapes.ts';
import { defineRoute } from '../policy.ts';
import { listOf, Problem } from '../schemas.ts';
import { DeliveryJson, deliveryJson } from '../webhook-shapes.ts';
import { pageAnswer } from '../serialize.ts';

function readsOf(deps: AppDeps): AdminReads {
  const admin = deps.observability?.admin;
  if (!admin) throw notFound('admin reads');
  return admin;
}

/** Reputation as the deliverability feature reports it; null without it (the inbox JSON's default). */
async function reputationOf(deps: AppDeps, inbox: Inbox): Promise<IdentityFacts['reputation']> {
  const reputation = deps.deliverability?.reputation;
  if (!reputation) return null;
  try {
    const r = await reputation.report(inbox);
    return { state: r.state, bounce_rate: r.bounceRate, complaint_rate: r.complaintRate, sent: r.counts.sent };
  } catch {
    return { state: reputation.stateOf(inbox.id) };
  }
}

/**
 * The operator's views across orgs, for the dashboard (DESIGN §1 Telemetry). Operator only:
 * an org key gets 403, and org-facing routes never reach these reads.
 */
export const adminRoutes = [
  defineRoute({
    method: 'GET', path: '/v1/admin/inboxes', operationId: 'adminListInboxes', tag: 'Admin',
    summary: 'Identities of every org with reputation, recent traffic, limits and quarantines; the first page leads with the busiest inboxes of the last 5 minutes',
    auth: 'operator', lane: 'control', query: AdminInboxQuery,
    responses: { 200: { description: 'Identities', schema: listOf(IdentityJson) } },
    handler: async ({ deps, query }) => {
      const reads = readsOf(deps);
      const report = deps.telemetry?.report('5m');
      const traffic = report ? inboxTraffic(report) : new Map();
      const busy = !query.cursor && report ? (await reads.listInboxes({ limit: 20, ids: busiestInboxes(report, 20) })).data : [];
      const page = await reads.listInboxes({ cursor: query.cursor ?? null, limit: query.limit });
      const seen = new Set(busy.map((i) => i.id));
      const rows = [...busy.sort((a, b) => (traffic.get(b.id)?.rejected ?? 0) - (traffic.get(a.id)?.rejected ?? 0)), ...page.data.filter((i) => !seen.has(i.id))];
      const quarantine = deps.edge.quarantine.list();
      const data = await Promise.all(rows.map(async (inbox) => {
        const reputation = await reputationOf(deps, inbox);
        return identityJson(inbox, {
          reputation, traffic: traffic.get(inbox.id), outbound: outboundLimit(deps, (reputation?.state ?? 'healthy') as ReputationState),
          quarantine: quarantine.filter((q) => q.kind === 'inbox' && q.target === inbox.id),
        });
      }));
      return { status: 200, body: { data, next_cursor: page.nextCursor } };
    },
  }),
  defineRoute({
    method: 'GET', path: '/v1/admin/messages', operationId: 'adminListMessages', tag: 'Admin',
    summary: 'Outbound messages of every org in one status, newest first; `sandboxed` (the default) is the mail held without a relay',
    auth: 'operator', lane: 'control', query: AdminMessageQuery,
    responses: { 200: { description: 'Messages (no bodies)', schema: listOf(AdminMessageJson) } },
    handler: async ({ deps, query }) => {
      const page = await readsOf(deps).listMessages(query.status, { cursor: query.cursor ?? null, limit: query.limit });
      return pageAnswer(page, adminMessageJson);
    },
  }),
  defineRoute({
    method: 'GET', path: '/v1/admin/webhook-deliveries', operationId: 'adminListWebhookDeliveries', tag: 'Admin',
    summary: 'Webhook deliveries of every org in one status, newest first; `dead` (the default) lists the dead-lettered ones',
    auth: 'operator', lane: 'control', query: AdminDeliveryQuery,
    responses: { 200: { description: 'Deliveries', schema: listOf(AdminDeliveryJson) } },
    handler: async ({ deps, query }) => {
      const page = await readsOf(deps).listWebhookDeliveries(query.status, { cursor: query.cursor ?? null, limit: query.limit });
      return pageAnswer(page, adminDeliveryJson);
    },
  }),
  defineRoute({
    method: 'POST', path: '/v1/admin/webhooks/:id/deliveries/:did/replay', operationId: 'adminReplayWebhookDelivery', tag: 'Admin',
    summary: 'Replay any org\'s webhook delivery now, under the same webhook-id',
    auth: 'operator', lane: 'control',
    responses: {
      202: { description: 'Due now', schema: DeliveryJson }, 404: { description: 'Unknown webhook or delivery', schema: Problem },
      409: { description: 'The endpoint is disabled, or an attempt is running', schema: Problem },
    },
    handler: async ({ deps, params }) => ({ status: 202, body: deliveryJson(await adminReplayDelivery(deps, readsOf(deps), params.id!, params.did!)) }),
  }),
];
