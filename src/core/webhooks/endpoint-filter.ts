import type { NewOrgEvent, WebhookEndpoint } from '../model.ts';
import { TEST_EVENT } from '../events/event-types.ts';

/**
 * True when an enabled endpoint should get this event: its type filter (empty = all) and its
 * inbox filter (empty = all, org-wide events included) both match. Test events never fan
 * out: they go only to the endpoint being tested.
 */
export function endpointWants(endpoint: Pick<WebhookEndpoint, 'events' | 'inboxIds'>, event: Pick<NewOrgEvent, 'type' | 'inboxId'>): boolean {
  if (event.type === TEST_EVENT) return false;
  if (endpoint.events.length > 0 && !endpoint.events.includes(event.type)) return false;
  if (endpoint.inboxIds.length > 0 && (event.inboxId === null || !endpoint.inboxIds.includes(event.inboxId))) return false;
  return true;
}
