import type { ApiKey, AttachmentMeta, Inbox, Message, MessageEvent, Thread } from '../core/model.ts';

/** Public JSON shapes of DESIGN §4: snake_case, ISO 8601 times. */
export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function inboxJson(i: Inbox) {
  return { id: i.id, address: i.address, display_name: i.displayName, domain: i.domain, created_at: iso(i.createdAt), reputation: { state: 'healthy' } };
}

export function keyJson(k: ApiKey) {
  return { id: k.id, name: k.name, scopes: [k.scope], inbox_ids: k.inboxIds, prefix: k.prefix, created_at: iso(k.createdAt), revoked_at: iso(k.revokedAt) };
}

export function threadJson(t: Thread) {
  return { id: t.id, inbox_id: t.inboxId, subject: t.subject, message_count: t.messageCount, last_message_at: iso(t.lastMessageAt), created_at: iso(t.createdAt) };
}

export function eventJson(e: MessageEvent) {
  return { id: e.id, type: e.type, detail: e.detail, created_at: iso(e.createdAt) };
}

export function attachmentJson(a: AttachmentMeta) {
  return { id: a.id, filename: a.filename, content_type: a.contentType, size: a.size };
}

export function messageJson(m: Message, extra: { attachments?: AttachmentMeta[]; events?: MessageEvent[] } = {}) {
  return {
    id: m.id, inbox_id: m.inboxId, thread_id: m.threadId, direction: m.direction, status: m.status, status_reason: m.statusReason,
    from: m.from, to: m.to, cc: m.cc, ...(m.direction === 'outbound' ? { bcc: m.bcc } : {}), reply_to: m.replyTo,
    subject: m.subject, text: m.text, html: m.html, headers: m.headers, message_id: m.messageId,
    in_reply_to: m.inReplyTo, references: m.references,
    attachments: (extra.attachments ?? []).map(attachmentJson),
    auth: m.auth, created_at: iso(m.createdAt), updated_at: iso(m.updatedAt),
    ...(extra.events ? { events: extra.events.map(eventJson) } : {}),
  };
}
