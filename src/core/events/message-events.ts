/**
 * Which message changes are events, and their data: the whole message (an agent should not
 * need a second request), cut to fit the webhook cap before it is stored, so the log, the
 * stream and every webhook carry the same bounded bytes.
 */
import { buildWebhookPayload, DEFAULT_MAX_BODY_BYTES } from '../webhooks/payload.ts';
import type { AttachmentMeta, EventType, Message, MessageStatus, NewOrgEvent } from '../model.ts';
import { iso, messageJson } from './message-payload.ts';

/**
 * Statuses that are events. `queued` is not: the 202 of the send already says it, and an
 * event per accepted send would cost the hot send path an endpoint lookup. `sandboxed` and
 * `suppressed` are not in the public event list (DESIGN §4); the message status shows them.
 */
const STATUS_EVENTS: Partial<Record<MessageStatus, EventType>> = {
  received: 'message.received',
  sent: 'message.sent',
  delivered: 'message.delivered',
  bounced: 'message.bounced',
  complained: 'message.complained',
  failed: 'message.failed',
};

/** The event type a message entering `status` emits, or null. */
export function statusEventType(status: MessageStatus): EventType | null {
  return STATUS_EVENTS[status] ?? null;
}

/** Room left under the webhook cap for the link that eventPayload adds to a cut message. */
const STORED_CAP = DEFAULT_MAX_BODY_BYTES - 1024;
// Ids and ISO times have fixed lengths, so sizing with placeholders gives the real size.
const PLACEHOLDER_ID = `evt_${'0'.repeat(26)}`;

/**
 * The event for `message` now being in its current status; null when that status is not an
 * event. Inbound mail is the inbound lane, everything about a sent message the outbound lane.
 */
export function messageEvent(message: Message, attachments: AttachmentMeta[], at: number): NewOrgEvent | null {
  const type = statusEventType(message.status);
  if (!type) return null;
  const data: Record<string, unknown> = { message: messageJson(message, { attachments }) };
  const sized = buildWebhookPayload({ id: PLACEHOLDER_ID, type, created_at: iso(at)!, data }, { maxBodyBytes: STORED_CAP });
  return {
    orgId: message.orgId, inboxId: message.inboxId, type, lane: message.direction === 'inbound' ? 'inbound' : 'outbound',
    data: sized.truncated ? (JSON.parse(sized.body) as { data: Record<string, unknown> }).data : data,
    createdAt: at,
  };
}
