/** Request schemas, response shapes and serializers of the webhook and event routes. */
import { z } from 'zod';
import { EVENT_TYPES } from '../core/events/event-types.ts';
import { iso } from '../core/events/message-payload.ts';
import type { WebhookEndpoint } from '../core/model.ts';
import type { WebhookDeliveryLog } from '../core/ports.ts';

const EventTypeName = z.enum(EVENT_TYPES);

/** `a,b` or repeated names, validated against the event list. */
const EventTypeList = z.string().max(1000)
  .transform((s) => s.split(',').map((t) => t.trim()).filter((t) => t !== ''))
  .pipe(z.array(EventTypeName).min(1, 'name at least one event type'));

const EventId = z.string().regex(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/, 'not an event id returned by this API');
const WebhookCursor = z.string().regex(/^whk_[0-9A-HJKMNP-TV-Z]{26}$/, 'not a cursor returned by this API');
const DeliveryCursor = z.string().regex(/^del_[0-9A-HJKMNP-TV-Z]{26}$/, 'not a cursor returned by this API');
const InboxId = z.string().regex(/^inb_[0-9A-HJKMNP-TV-Z]{26}$/, 'not an inbox id');

export const CreateWebhookBody = z.strictObject({
  url: z.string().min(1).max(2048).meta({ example: 'https://agent.example.com/hooks/breakwater' }),
  /** Empty or absent: every event type. */
  events: z.array(EventTypeName).max(EVENT_TYPES.length).default([]),
  /** Empty or absent: every inbox of the org, and org-wide events. */
  inbox_ids: z.array(InboxId).max(100).default([]),
});

export const WebhookListQuery = z.strictObject({
  cursor: WebhookCursor.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const DeliveryListQuery = z.strictObject({
  cursor: DeliveryCursor.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  status: z.enum(['pending', 'succeeded', 'failed', 'dead']).optional(),
});

export const EventListQuery = z.strictObject({
  cursor: EventId.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  type: EventTypeList.optional(),
  types: EventTypeList.optional(),
  inbox_id: InboxId.optional(),
});

export const EventStreamQuery = z.strictObject({
  types: EventTypeList.optional(),
  type: EventTypeList.optional(),
  inbox_id: InboxId.optional(),
  /** For clients that cannot set the Last-Event-ID header; the header wins. */
  last_event_id: EventId.optional(),
});

export { EventId };

export const WebhookJson = z.object({
  id: z.string(), url: z.string(), events: z.array(z.string()), inbox_ids: z.array(z.string()), enabled: z.boolean(),
  disabled_reason: z.string().nullable(), created_at: z.string(), updated_at: z.string(),
  secret: z.string().optional().describe('whsec_…, in the create answer only'),
});

export const DeliveryJson = z.object({
  id: z.string(), webhook_id: z.string(), event_id: z.string(), event_type: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed', 'dead']), attempt_count: z.number(), next_attempt_at: z.string().nullable(),
  last_status: z.number().nullable(), last_error: z.string().nullable(), created_at: z.string(), updated_at: z.string(),
  attempts: z.array(z.object({
    attempt: z.number(), status_code: z.number().nullable(), duration_ms: z.number(), error: z.string().nullable(),
    at: z.string(), next_attempt_at: z.string().nullable(),
  })),
});

export const EventJson = z.object({ id: z.string(), type: z.string(), created_at: z.string(), data: z.record(z.string(), z.unknown()) });

export function webhookJson(e: WebhookEndpoint, withSecret = false) {
  return {
    id: e.id, url: e.url, events: e.events, inbox_ids: e.inboxIds, enabled: e.enabled, disabled_reason: e.disabledReason,
    created_at: iso(e.createdAt), updated_at: iso(e.updatedAt), ...(withSecret ? { secret: e.secret } : {}),
  };
}

export function deliveryJson(d: WebhookDeliveryLog) {
  return {
    id: d.id, webhook_id: d.endpointId, event_id: d.eventId, event_type: d.eventType, status: d.status, attempt_count: d.attempts,
    next_attempt_at: iso(d.nextAttemptAt), last_status: d.lastStatus, last_error: d.lastError,
    created_at: iso(d.createdAt), updated_at: iso(d.updatedAt),
    attempts: d.attemptLog.map((a) => ({
      attempt: a.attempt, status_code: a.statusCode, duration_ms: a.durationMs, error: a.error, at: iso(a.at), next_attempt_at: iso(a.nextAttemptAt),
    })),
  };
}
