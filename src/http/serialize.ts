import { iso } from '../core/events/message-payload.ts';
import type { ApiKey, Inbox, Page, Thread } from '../core/model.ts';
import type { ReputationState } from '../core/reputation/machine.ts';

// Message shapes live in core: events carry them (data.message) and the store writes events.
export { attachmentJson, iso, messageEventJson as eventJson, messageJson } from '../core/events/message-payload.ts';

/** A list route's 200: one page of items in their JSON shape, and the cursor of the next (DESIGN §4). */
export function pageAnswer<T, J>(page: Page<T>, toJson: (item: T) => J) {
  return { status: 200 as const, body: { data: page.data.map((item) => toJson(item)), next_cursor: page.nextCursor } };
}

/** Public JSON shapes of DESIGN §4: snake_case, ISO 8601 times. */
/** `state` is the inbox's reputation (src/core/reputation/reputation-api.ts reputationState). */
export function inboxJson(i: Inbox, state: ReputationState = 'healthy') {
  return { id: i.id, address: i.address, display_name: i.displayName, domain: i.domain, created_at: iso(i.createdAt), reputation: { state } };
}

export function keyJson(k: ApiKey) {
  return { id: k.id, name: k.name, scopes: [k.scope], inbox_ids: k.inboxIds, prefix: k.prefix, created_at: iso(k.createdAt), revoked_at: iso(k.revokedAt) };
}

export function threadJson(t: Thread) {
  return { id: t.id, inbox_id: t.inboxId, subject: t.subject, message_count: t.messageCount, last_message_at: iso(t.lastMessageAt), created_at: iso(t.createdAt) };
}
