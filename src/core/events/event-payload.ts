import type { OrgEvent } from '../model.ts';
import type { WebhookEvent } from '../webhooks/payload.ts';
import { iso } from './message-payload.ts';

/** Where the full message is, for a payload whose copy was cut. */
export function messageUrl(publicUrl: string, messageId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/v1/messages/${messageId}`;
}

/**
 * The public shape of an event, identical in webhooks, the SSE stream and GET /v1/events:
 * `{id, type, created_at, data}` (DESIGN §4). A message cut to fit the cap gets its link here,
 * at serve time, because the store does not know the public URL.
 */
export function eventPayload(e: OrgEvent, publicUrl: string): WebhookEvent {
  let data = e.data;
  const m = data.message as Record<string, unknown> | undefined;
  if (m && m.truncated === true && typeof m.id === 'string' && m.url === undefined) {
    data = { ...data, message: { ...m, url: messageUrl(publicUrl, m.id) } };
  }
  return { id: e.id, type: e.type, created_at: iso(e.createdAt)!, data };
}
