import { domainOf } from '../../mail/address.ts';
import { extractReply } from '../../mail/extract-reply.ts';
import { bareAddress, parseMail, type ParsedMail } from '../../mail/parse.ts';
import { isTrusted, localVerdicts } from '../inbound/verdicts.ts';
import { topics, type CoreDeps } from '../context.ts';
import { announceEvents } from '../events/announce.ts';
import { newId } from '../ids.ts';
import type { Attachment, AuthVerdicts, Inbox, Message, MessageEvent } from '../model.ts';
import type { StoredMessage, ThreadWrite } from '../ports.ts';

export interface InboundMail {
  raw: Uint8Array;
  /** The inboxes named by the envelope (RCPT TO), already checked to exist. */
  inboxes: Inbox[];
  envelopeFrom: string | null;
  auth?: AuthVerdicts | null;
  /** 'smtp' for mail from outside; 'local' for mail between hosted inboxes. */
  via: 'smtp' | 'local';
  /** The parse of `raw`, when a caller already made it (src/core/inbound/intake.ts screens on it). */
  parsed?: ParsedMail;
  /** Decided by the caller (intake); by default DMARC pass, and always for local mail. */
  trusted?: boolean;
}

async function threadFor(deps: CoreDeps, inbox: Inbox, parsed: ParsedMail, now: number, threadId: string): Promise<ThreadWrite> {
  const ids = [parsed.inReplyTo, ...parsed.references.slice().reverse()].filter((x): x is string => !!x);
  const existing = await deps.store.findThreadByMessageIds(inbox.id, ids);
  if (existing) return { kind: 'existing', threadId: existing, at: now };
  return {
    kind: 'new',
    thread: { id: threadId, orgId: inbox.orgId, inboxId: inbox.id, subject: parsed.subject, messageCount: 1, lastMessageAt: now, createdAt: now },
  };
}

/**
 * The inbound pipeline: parse once, thread per inbox by In-Reply-To and References, store
 * a copy per recipient inbox with the raw bytes, and wake long-polls. Resolves after commit.
 */
export async function receiveMail(deps: CoreDeps, mail: InboundMail, completeJobId?: string): Promise<Message[]> {
  const parsed = mail.parsed ?? (await parseMail(mail.raw));
  const now = deps.clock();
  // Hosted-to-hosted mail is ours end to end: authenticated without DNS (verdicts.ts).
  const auth = mail.auth ?? (mail.via === 'local' ? localVerdicts(domainOf(bareAddress(parsed.from))) : null);
  const trusted = mail.trusted ?? isTrusted(auth, false);
  const extractedText = extractReply(parsed.text, parsed.html);
  // Mail without a Message-ID gets one, so threading and duplicate detection still work.
  const messageId = parsed.messageId ?? `<${newId('msg', now).toLowerCase()}@breakwater.invalid>`;
  const items: StoredMessage[] = [];
  for (const inbox of mail.inboxes) {
    const id = newId('msg', now);
    const thread = await threadFor(deps, inbox, parsed, now, newId('thr', now));
    const threadId = thread.kind === 'new' ? thread.thread.id : thread.threadId;
    const message: Message = {
      id, orgId: inbox.orgId, inboxId: inbox.id, threadId, direction: 'inbound', status: 'received', statusReason: null,
      from: parsed.from || mail.envelopeFrom || '', to: parsed.to, cc: parsed.cc, bcc: [], replyTo: parsed.replyTo,
      subject: parsed.subject, text: parsed.text, html: parsed.html, headers: parsed.headers, messageId,
      inReplyTo: parsed.inReplyTo, references: parsed.references, auth, extractedText, trusted,
      autoSubmitted: parsed.autoSubmitted, createdAt: now, updatedAt: now,
    };
    const attachments: Attachment[] = parsed.attachments.map((a) => ({
      id: newId('att', now), messageId: id, filename: a.filename, contentType: a.contentType, size: a.content.byteLength, content: a.content,
    }));
    const event: MessageEvent = { id: newId('evt', now), messageId: id, type: 'received', detail: { via: mail.via, envelope_from: mail.envelopeFrom }, createdAt: now };
    items.push({ message, attachments, raw: mail.raw, thread, events: [event] });
  }
  const stored = await deps.store.storeInbound(items, completeJobId);
  for (const m of stored) deps.notifier.publish(topics.inbox(m.inboxId));
  // The store appended a message.received event per stored copy: wake streams and webhooks.
  if (stored.length > 0) announceEvents(deps.notifier, stored.map((m) => m.orgId));
  return stored;
}
