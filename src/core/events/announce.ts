import { topics, WEBHOOK_QUEUE } from '../context.ts';
import type { Notifier } from '../ports.ts';

/**
 * Wakes whoever waits on freshly committed events: the orgs' SSE streams and the webhook
 * worker. Call after the commit; the log is the truth, a lost wake-up only delays a reader
 * until its next poll.
 */
export function announceEvents(notifier: Notifier, orgIds: Iterable<string>): void {
  for (const orgId of new Set(orgIds)) notifier.publish(topics.events(orgId));
  notifier.publish(topics.queue(WEBHOOK_QUEUE));
}
