import type { EventType, Lane, OrgEvent, WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint } from '../../../core/model.ts';
import type { EventsTable, WebhookAttemptsTable, WebhookDeliveriesTable, WebhookEndpointsTable } from './schema.ts';

// PostgreSQL returns BIGINT as a string: every millisecond column goes through Number().
const numOrNull = (v: number | string | bigint | null): number | null => (v === null ? null : Number(v));

export const toOrgEvent = (r: EventsTable): OrgEvent => ({
  id: r.id, orgId: r.org_id, inboxId: r.inbox_id, type: r.type as EventType, lane: r.lane as Lane,
  data: JSON.parse(r.data_json) as Record<string, unknown>, createdAt: Number(r.created_at),
});
export const fromOrgEvent = (e: OrgEvent): EventsTable => ({
  id: e.id, org_id: e.orgId, inbox_id: e.inboxId, type: e.type, lane: e.lane, data_json: JSON.stringify(e.data), created_at: e.createdAt,
});

export const toEndpoint = (r: WebhookEndpointsTable): WebhookEndpoint => ({
  id: r.id, orgId: r.org_id, url: r.url, events: JSON.parse(r.events_json) as EventType[],
  inboxIds: JSON.parse(r.inbox_ids_json) as string[], secret: r.secret, enabled: Number(r.enabled) === 1,
  disabledReason: r.disabled_reason, firstFailureAt: numOrNull(r.first_failure_at),
  createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});
export const fromEndpoint = (e: WebhookEndpoint): WebhookEndpointsTable => ({
  id: e.id, org_id: e.orgId, url: e.url, events_json: JSON.stringify(e.events), inbox_ids_json: JSON.stringify(e.inboxIds),
  secret: e.secret, enabled: e.enabled ? 1 : 0, disabled_reason: e.disabledReason, first_failure_at: e.firstFailureAt,
  created_at: e.createdAt, updated_at: e.updatedAt,
});

export const toDelivery = (r: WebhookDeliveriesTable): WebhookDelivery => ({
  id: r.id, orgId: r.org_id, endpointId: r.endpoint_id, eventId: r.event_id, eventType: r.event_type as EventType, jobId: r.job_id,
  status: r.status as WebhookDeliveryStatus, attempts: Number(r.attempts), nextAttemptAt: numOrNull(r.next_attempt_at),
  lastStatus: numOrNull(r.last_status), lastError: r.last_error, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});

export const toAttempt = (r: WebhookAttemptsTable): WebhookAttempt => ({
  deliveryId: r.delivery_id, attempt: Number(r.attempt), statusCode: numOrNull(r.status_code), durationMs: Number(r.duration_ms),
  error: r.error, at: Number(r.at), nextAttemptAt: numOrNull(r.next_attempt_at),
});
export const fromAttempt = (a: WebhookAttempt): WebhookAttemptsTable => ({
  delivery_id: a.deliveryId, attempt: a.attempt, status_code: a.statusCode, duration_ms: Math.round(a.durationMs),
  error: a.error, at: a.at, next_attempt_at: a.nextAttemptAt,
});
