/**
 * What the operator does across orgs from the dashboard. Org-facing equivalents live with their
 * context (webhooks/endpoint-service.ts) and stay scoped to the caller's org; these take the
 * org from the resource itself, and only operator routes call them.
 */
import type { CoreDeps } from '../context.ts';
import { notFound } from '../errors.ts';
import { isId } from '../ids.ts';
import { replayOnEndpoint } from '../webhooks/endpoint-service.ts';
import type { Lane } from '../model.ts';
import type { WebhookDeliveryLog } from '../ports.ts';
import type { TopEntry } from '../lanes/top-k.ts';
import type { LanesReport } from '../lanes/telemetry.ts';
import type { AdminReads } from './admin-reads.ts';

/** Replays any org's delivery now, under its event's id (dead-lettered ones included). */
export async function adminReplayDelivery(deps: CoreDeps, reads: AdminReads, endpointId: string, deliveryId: string): Promise<WebhookDeliveryLog> {
  const orgId = isId(endpointId, 'whk') ? await reads.webhookEndpointOrg(endpointId) : null;
  const endpoint = orgId ? await deps.store.getWebhookEndpoint(orgId, endpointId) : null;
  if (!endpoint) throw notFound('webhook');
  return replayOnEndpoint(deps, endpoint, deliveryId);
}

/** An inbox's traffic in a lanes report: requests and rejections per lane, from the top-k summaries. */
export interface InboxTraffic {
  requests: number;
  rejected: number;
  /** Per second over the report's span. */
  rate: number;
}

/** Traffic per inbox id for the inboxes among a report's heavy hitters (others were light). */
export function inboxTraffic(report: LanesReport): Map<string, InboxTraffic> {
  const out = new Map<string, InboxTraffic>();
  const seconds = report.spanMs / 1000;
  const add = (entries: TopEntry[], field: 'requests' | 'rejected') => {
    for (const e of entries) {
      const t = out.get(e.id) ?? { requests: 0, rejected: 0, rate: 0 };
      t[field] += e.count;
      if (field === 'requests') t.rate = Math.round((t.requests / seconds) * 100) / 100;
      out.set(e.id, t);
    }
  };
  for (const lane of ['inbound', 'outbound', 'control'] as Lane[]) {
    add(report.lanes[lane].talkers.inboxesByVolume, 'requests');
    add(report.lanes[lane].talkers.inboxesByRejections, 'rejected');
  }
  return out;
}

/** The heaviest inboxes of a report, by rejections then volume: the identities to show first. */
export function busiestInboxes(report: LanesReport, n: number): string[] {
  return [...inboxTraffic(report)].sort((a, b) => b[1].rejected - a[1].rejected || b[1].requests - a[1].requests).slice(0, n).map(([id]) => id);
}
