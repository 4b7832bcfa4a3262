/**
 * The public JSON of a message (DESIGN §4 "Shapes"): snake_case, ISO 8601 times. It lives in
 * core because events carry it (`data.message`) and the store writes events; the HTTP layer
 * serves the same shape through src/http/serialize.ts.
 */
import { authJson } from '../inbound/verdicts.ts';
import type { AttachmentMeta, Message, MessageEvent } from '../model.ts';

/** Epoch milliseconds as ISO 8601, null kept. */
export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** One entry of a message's own history (`events` of GET /v1/messages/{id}). */
export function messageEventJson(e: MessageEvent) {
  return { id: e.id, type: e.type, detail: e.detail, created_at: iso(e.createdAt) };
}

export function attachmentJson(a: AttachmentMeta) {
  return { id: a.id, filename: a.filename, content_type: a.contentType, size: a.size };
}

/** The message as the API and events show it; `bcc` only on outbound mail (the sender's own list). */
export function messageJson(m: Message, extra: { attachments?: AttachmentMeta[]; events?: MessageEvent[] } = {}) {
  return {
    id: m.id, inbox_id: m.inboxId, thread_id: m.threadId, direction: m.direction, status: m.status, status_reason: m.statusReason,
    from: m.from, to: m.to, cc: m.cc, ...(m.direction === 'outbound' ? { bcc: m.bcc } : {}), reply_to: m.replyTo,
    subject: m.subject, text: m.text, html: m.html, headers: m.headers, message_id: m.messageId,
    in_reply_to: m.inReplyTo, references: m.references,
    attachments: (extra.attachments ?? []).map(attachmentJson),
    // Inbound agent safety (src/core/inbound): outbound mail is the org's own, so trusted and unverified.
    auth: authJson(m.auth), trusted: m.direction === 'inbound' ? m.trusted ?? false : true,
    extracted_text: m.direction === 'inbound' ? m.extractedText ?? null : null,
    // RFC 3834: a machine sent it; an agent should think twice before answering. Outbound mail is the org's own.
    auto_submitted: m.direction === 'inbound' && m.autoSubmitted,
    created_at: iso(m.createdAt), updated_at: iso(m.updatedAt),
    ...(extra.events ? { events: extra.events.map(messageEventJson) } : {}),
  };
}
