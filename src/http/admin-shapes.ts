/** Wire shapes of the operator's cross-org routes (/v1/admin/…) and their schemas. */
import { z } from 'zod';
import type { AdminDelivery, AdminMessage } from '../core/admin/admin-reads.ts';
import type { InboxTraffic } from '../core/admin/admin-service.ts';
import { describeRule } from '../core/limits/defaults.ts';
import type { LimitRule } from '../core/limits/limiter.ts';
import type { Inbox } from '../core/model.ts';
import type { QuarantineEntry } from '../core/quarantine/quarantine.ts';
import { iso, inboxJson } from './serialize.ts';

/** What an identity row adds to the inbox: reputation, recent traffic, quarantines, its send bucket. */
export interface IdentityFacts {
  reputation: { state: string; bounce_rate?: number; complaint_rate?: number; sent?: number } | null;
  traffic: InboxTraffic | undefined;
  quarantine: QuarantineEntry[];
  /** The send bucket the inbox has in its reputation state; null when paused. */
  outbound: LimitRule | null;
}

/** An inbox as the operator's identities table shows it. */
export function identityJson(i: Inbox, f: IdentityFacts) {
  const base = inboxJson(i);
  return {
    ...base,
    org_id: i.orgId,
    reputation: f.reputation ?? base.reputation,
    traffic: { requests: f.traffic?.requests ?? 0, rejected: f.traffic?.rejected ?? 0, rate_per_second: f.traffic?.rate ?? 0 },
    limits: { send: f.outbound ? describeRule(f.outbound) : 'paused: nothing leaves', send_burst: f.outbound?.burst ?? 0 },
    quarantine: f.quarantine.map((q) => ({ id: q.id, lane: q.lane, reason: q.reason, source: q.source, expires_at: iso(q.expiresAt) })),
  };
}

/** A held or listed message without its body. */
export function adminMessageJson(m: AdminMessage) {
  return {
    id: m.id, org_id: m.orgId, inbox_id: m.inboxId, status: m.status, status_reason: m.statusReason, from: m.from, to: m.to,
    subject: m.subject, created_at: iso(m.createdAt), updated_at: iso(m.updatedAt),
  };
}

/** A webhook delivery with its org and endpoint URL. */
export function adminDeliveryJson(d: AdminDelivery) {
  return {
    id: d.id, org_id: d.orgId, webhook_id: d.endpointId, url: d.endpointUrl, event_id: d.eventId, event_type: d.eventType, status: d.status,
    attempt_count: d.attempts, last_status: d.lastStatus, last_error: d.lastError, created_at: iso(d.createdAt), updated_at: iso(d.updatedAt),
  };
}

const Cursor = z.string().regex(/^[a-z]{3}_[0-9A-HJKMNP-TV-Z]{26}$/, 'not a cursor returned by this API');
const page = { cursor: Cursor.optional(), limit: z.coerce.number().int().min(1).max(100).default(50) };

/** Queries of the /v1/admin listings: cursor paging, and a status where it applies. */
export const AdminInboxQuery = z.strictObject(page);
export const AdminMessageQuery = z.strictObject({
  ...page, status: z.enum(['queued', 'sent', 'delivered', 'sandboxed', 'bounced', 'complained', 'suppressed', 'failed']).default('sandboxed'),
});
export const AdminDeliveryQuery = z.strictObject({ ...page, status: z.enum(['pending', 'succeeded', 'failed', 'dead']).default('dead') });

/** Response shapes (documentation; the serializers above produce them). */
export const IdentityJson = z.object({
  id: z.string(), org_id: z.string(), address: z.string(), display_name: z.string().nullable(), domain: z.string(), created_at: z.string(),
  reputation: z.object({ state: z.string() }).passthrough(),
  traffic: z.object({ requests: z.number(), rejected: z.number(), rate_per_second: z.number() }).describe('Last 5 minutes, for the heaviest inboxes only (top-k); 0 otherwise'),
  limits: z.object({ send: z.string(), send_burst: z.number() }).describe('The send bucket the inbox has now: halved when throttled, none when paused'),
  quarantine: z.array(z.object({ id: z.string(), lane: z.string(), reason: z.string(), source: z.string(), expires_at: z.string().nullable() })),
});
export const AdminMessageJson = z.object({
  id: z.string(), org_id: z.string(), inbox_id: z.string(), status: z.string(), status_reason: z.string().nullable(), from: z.string(),
  to: z.array(z.string()), subject: z.string(), created_at: z.string(), updated_at: z.string(),
});
export const AdminDeliveryJson = z.object({
  id: z.string(), org_id: z.string(), webhook_id: z.string(), url: z.string(), event_id: z.string(), event_type: z.string(), status: z.string(),
  attempt_count: z.number(), last_status: z.number().nullable(), last_error: z.string().nullable(), created_at: z.string(), updated_at: z.string(),
});
