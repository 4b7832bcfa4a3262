import type { EventType } from '../model.ts';

/** Every event type of the log (DESIGN §4, plus the webhook system's own two). */
export const EVENT_TYPES = [
  'message.received', 'message.sent', 'message.delivered', 'message.bounced', 'message.complained', 'message.failed',
  'inbox.reputation_changed', 'quarantine.added', 'quarantine.removed',
  'webhook.endpoint_disabled', 'webhook.test',
] as const satisfies readonly EventType[];

/** Sent only to the endpoint it tests, whatever the other endpoints subscribe to. */
export const TEST_EVENT: EventType = 'webhook.test';

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}
