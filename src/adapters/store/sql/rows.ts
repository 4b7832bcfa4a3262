import type { ApiKey, AttachmentMeta, Inbox, Job, Message, MessageEvent, Org, Thread } from '../../../core/model.ts';
import type { ApiKeysTable, InboxesTable, JobsTable, MessageEventsTable, MessagesTable, OrgsTable, ThreadsTable } from './schema.ts';

// PostgreSQL returns BIGINT as a string; every millisecond column goes through num().
const num = (v: number | string | bigint | null): number => Number(v);
const numOrNull = (v: number | string | bigint | null): number | null => (v === null ? null : Number(v));

export const toOrg = (r: OrgsTable): Org => ({ id: r.id, name: r.name, plan: r.plan as Org['plan'], createdAt: num(r.created_at) });

export const toKey = (r: ApiKeysTable): ApiKey => ({
  id: r.id, orgId: r.org_id, name: r.name, hash: r.hash, prefix: r.prefix, scope: r.scope as ApiKey['scope'],
  inboxIds: JSON.parse(r.inbox_ids) as string[], createdAt: num(r.created_at), revokedAt: numOrNull(r.revoked_at),
});
export const fromKey = (k: ApiKey): ApiKeysTable => ({
  id: k.id, org_id: k.orgId, name: k.name, hash: k.hash, prefix: k.prefix, scope: k.scope,
  inbox_ids: JSON.stringify(k.inboxIds), created_at: k.createdAt, revoked_at: k.revokedAt,
});

export const toInbox = (r: InboxesTable): Inbox => ({
  id: r.id, orgId: r.org_id, username: r.username, domain: r.domain, address: r.address,
  displayName: r.display_name, createdAt: num(r.created_at),
});
export const fromInbox = (i: Inbox): InboxesTable => ({
  id: i.id, org_id: i.orgId, username: i.username, domain: i.domain, address: i.address,
  display_name: i.displayName, created_at: i.createdAt,
});

export const toThread = (r: ThreadsTable): Thread => ({
  id: r.id, orgId: r.org_id, inboxId: r.inbox_id, subject: r.subject, messageCount: num(r.message_count),
  lastMessageAt: num(r.last_message_at), createdAt: num(r.created_at),
});
export const fromThread = (t: Thread): ThreadsTable => ({
  id: t.id, org_id: t.orgId, inbox_id: t.inboxId, subject: t.subject, message_count: t.messageCount,
  last_message_at: t.lastMessageAt, created_at: t.createdAt,
});

export const toMessage = (r: MessagesTable): Message => ({
  id: r.id, orgId: r.org_id, inboxId: r.inbox_id, threadId: r.thread_id, direction: r.direction as Message['direction'],
  status: r.status as Message['status'], statusReason: r.status_reason, from: r.from_addr,
  to: JSON.parse(r.to_json) as string[], cc: JSON.parse(r.cc_json) as string[], bcc: JSON.parse(r.bcc_json) as string[],
  replyTo: r.reply_to, subject: r.subject, text: r.text_body, html: r.html_body,
  headers: JSON.parse(r.headers_json) as Record<string, string>, messageId: r.message_id, inReplyTo: r.in_reply_to,
  references: JSON.parse(r.references_json) as string[],
  auth: r.auth_json ? (JSON.parse(r.auth_json) as Message['auth']) : null,
  // Absent rather than null when unset, so a Message read back equals the one written.
  ...(r.extracted_text != null ? { extractedText: r.extracted_text } : {}),
  ...(r.trusted != null ? { trusted: Number(r.trusted) === 1 } : {}),
  autoSubmitted: Number(r.auto_submitted) === 1,
  createdAt: num(r.created_at), updatedAt: num(r.updated_at),
});
export const fromMessage = (m: Message): MessagesTable => ({
  id: m.id, org_id: m.orgId, inbox_id: m.inboxId, thread_id: m.threadId, direction: m.direction, status: m.status,
  status_reason: m.statusReason, from_addr: m.from, to_json: JSON.stringify(m.to), cc_json: JSON.stringify(m.cc),
  bcc_json: JSON.stringify(m.bcc), reply_to: m.replyTo, subject: m.subject, text_body: m.text, html_body: m.html,
  headers_json: JSON.stringify(m.headers), message_id: m.messageId, in_reply_to: m.inReplyTo,
  references_json: JSON.stringify(m.references), auth_json: m.auth ? JSON.stringify(m.auth) : null,
  extracted_text: m.extractedText ?? null, trusted: m.trusted == null ? null : m.trusted ? 1 : 0, auto_submitted: m.autoSubmitted ? 1 : 0,
  created_at: m.createdAt, updated_at: m.updatedAt,
});

export const toAttachmentMeta = (r: { id: string; message_id: string; filename: string; content_type: string; size: number }): AttachmentMeta => ({
  id: r.id, messageId: r.message_id, filename: r.filename, contentType: r.content_type, size: num(r.size),
});

export const toEvent = (r: MessageEventsTable): MessageEvent => ({
  id: r.id, messageId: r.message_id, type: r.type,
  detail: r.detail_json ? (JSON.parse(r.detail_json) as Record<string, unknown>) : null, createdAt: num(r.created_at),
});
export const fromEvent = (e: MessageEvent): MessageEventsTable => ({
  id: e.id, message_id: e.messageId, type: e.type, detail_json: e.detail ? JSON.stringify(e.detail) : null, created_at: e.createdAt,
});

export const toJob = (r: JobsTable): Job => ({
  id: r.id, queue: r.queue, payload: JSON.parse(r.payload_json) as Record<string, unknown>, attempts: num(r.attempts),
  runAt: num(r.run_at), leaseOwner: r.lease_owner, leaseUntil: numOrNull(r.lease_until), lastError: r.last_error,
});

/** Byte columns come back as Buffer (Node drivers) or ArrayBuffer (D1); callers get Uint8Array. */
export function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (Array.isArray(v)) return Uint8Array.from(v as number[]);
  throw new TypeError('unexpected byte column value');
}
