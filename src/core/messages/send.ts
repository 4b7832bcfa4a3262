import { composeMessage, newMessageId } from '../../mail/compose.ts';
import { isValidAddress } from '../../mail/address.ts';
import { bareAddress } from '../../mail/parse.ts';
import { assertInbox, type KeyPrincipal } from '../auth/principal.ts';
import { DELIVERY_QUEUE, topics, type CoreDeps } from '../context.ts';
import { BreakwaterError, notFound } from '../errors.ts';
import { replayOrConflict, type InFlightKeys } from '../idempotency/idempotency.ts';
import { guardSend, take } from '../limits/outbound-guard.ts';
import { rateLimited } from '../limits/refusal.ts';
import { assertRecipientsAllowed } from '../inbound/list-service.ts';
import { suppressedNote, withoutSuppressed } from '../suppressions/suppression-service.ts';
import { newId } from '../ids.ts';
import type { Attachment, Inbox, Message, MessageEvent } from '../model.ts';
import type { ThreadWrite } from '../ports.ts';

export interface SendInput {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text: string | null;
  html: string | null;
  replyTo: string | null;
  headers: Record<string, string>;
  attachments: Array<{ filename: string; contentType: string; content: Uint8Array }>;
}

export interface IdempotencyContext {
  key: string;
  /** Hash of method, path and body: the same key with another request is a conflict. */
  requestHash: string;
  inFlight: InFlightKeys;
}

export interface SendAccepted {
  status: number;
  body: { id: string; thread_id: string; status: string };
}

interface ReplyContext {
  threadId: string;
  inReplyTo: string | null;
  references: string[];
}

// A long References chain is trimmed to its first and last ids (RFC 5322 §3.6.4 allows it).
const MAX_REFERENCES = 20;

// What compose.ts writes as a msg-id (RFC 5322 §3.6.4): received mail may carry anything else.
const MSG_ID = /^<[^<>\s@]+@[^<>\s@]+>$/;
const isWritableMessageId = (id: string | null): id is string => !!id && id.length <= 900 && MSG_ID.test(id);

function trimReferences(refs: string[]): string[] {
  if (refs.length <= MAX_REFERENCES) return refs;
  return [refs[0]!, ...refs.slice(refs.length - (MAX_REFERENCES - 1))];
}

/** Replies per thread (EdgeLimits.mailLoop): a thread is per inbox, so each side of a loop is counted on its own. */
async function guardThread(deps: CoreDeps, threadId: string): Promise<void> {
  const d = await take(deps.edge.limiter, threadId, deps.edge.limits.mailLoop);
  if (!d.ok) {
    throw rateLimited(d, 'loop_detected', 'This thread is trading replies faster than a conversation: stop auto-replying to it (skip messages with auto_submitted: true, and send automatic answers with Auto-Submitted: auto-replied), or wait for Retry-After.');
  }
}

async function accept(deps: CoreDeps, p: KeyPrincipal, inbox: Inbox, input: SendInput, idem: IdempotencyContext, reply: ReplyContext | null): Promise<SendAccepted> {
  const prior = await deps.store.getIdempotency(p.orgId, idem.key);
  if (prior && prior.expiresAt > deps.clock()) return replayOrConflict(prior, idem.requestHash) as SendAccepted;
  // The inbox's outbound lists, from memory: a blocked recipient refuses the send before any bucket is spent.
  await assertRecipientsAllowed(deps, inbox, [...input.to, ...input.cc, ...input.bcc]);
  // A reply spends its thread's bucket first: ping-pong between auto-replying agents stops here.
  if (reply) await guardThread(deps, reply.threadId);
  // A replay above is free; a new send spends the inbox's and the org's buckets first.
  const { suppressed } = await guardSend(deps.edge, p, inbox, [...input.to, ...input.cc, ...input.bcc], deps.clock(), deps.deliverability);
  // Suppressed recipients are dropped, and the message says so (status_reason, queued event).
  input = withoutSuppressed(input, suppressed);

  return idem.inFlight.hold(p.orgId, idem.key, async () => {
    const now = deps.clock();
    const id = newId('msg', now);
    const threadId = reply?.threadId ?? newId('thr', now);
    const messageId = newMessageId(inbox.domain);
    const references = reply ? trimReferences(reply.references) : [];
    const raw = composeMessage({
      from: { name: inbox.displayName, address: inbox.address },
      to: input.to, cc: input.cc, replyTo: input.replyTo, subject: input.subject, text: input.text, html: input.html,
      messageId, date: new Date(now), inReplyTo: reply?.inReplyTo ?? null, references, headers: input.headers,
      attachments: input.attachments,
    });
    const message: Message = {
      id, orgId: p.orgId, inboxId: inbox.id, threadId, direction: 'outbound', status: 'queued', statusReason: suppressedNote(suppressed),
      from: inbox.displayName ? `${inbox.displayName} <${inbox.address}>` : inbox.address,
      to: input.to, cc: input.cc, bcc: input.bcc, replyTo: input.replyTo, subject: input.subject,
      text: input.text, html: input.html, headers: input.headers, messageId, inReplyTo: reply?.inReplyTo ?? null,
      references, auth: null, autoSubmitted: false, createdAt: now, updatedAt: now,
    };
    const attachments: Attachment[] = input.attachments.map((a) => ({
      id: newId('att', now), messageId: id, filename: a.filename, contentType: a.contentType, size: a.content.byteLength, content: a.content,
    }));
    const event: MessageEvent = { id: newId('evt', now), messageId: id, type: 'queued', detail: suppressed.length ? { suppressed } : null, createdAt: now };
    const thread: ThreadWrite = reply
      ? { kind: 'existing', threadId, at: now }
      : { kind: 'new', thread: { id: threadId, orgId: p.orgId, inboxId: inbox.id, subject: input.subject, messageCount: 1, lastMessageAt: now, createdAt: now } };
    const body = { id, thread_id: threadId, status: 'queued' };
    const result = await deps.store.createOutbound({
      message, attachments, raw, thread, events: [event], recipients: [...input.to, ...input.cc, ...input.bcc],
      job: { id: newId('job', now), queue: DELIVERY_QUEUE, payload: { messageId: id }, runAt: now },
      idempotency: {
        orgId: p.orgId, key: idem.key, requestHash: idem.requestHash, responseStatus: 202,
        responseBody: JSON.stringify(body), createdAt: now, expiresAt: now + deps.settings.idempotencyTtlMs,
      },
    });
    // Another node (or an expired record's successor) committed first: answer as it did.
    if (!result.ok) return replayOrConflict(result.existing, idem.requestHash) as SendAccepted;
    deps.notifier.publish(topics.queue(DELIVERY_QUEUE));
    deps.notifier.publish(topics.inbox(inbox.id));
    return { status: 202, body };
  });
}

function checkRecipients(deps: CoreDeps, input: SendInput): void {
  const count = input.to.length + input.cc.length + input.bcc.length;
  if (count === 0) {
    throw new BreakwaterError('validation_failed', 'at least one recipient is required', { errors: [{ path: 'to', message: 'at least one recipient in to, cc or bcc' }] });
  }
  if (count > deps.settings.maxRecipients) {
    throw new BreakwaterError('validation_failed', `at most ${deps.settings.maxRecipients} recipients per message`, {
      errors: [{ path: 'to', message: `${count} recipients in to + cc + bcc; the limit is ${deps.settings.maxRecipients}` }],
      fix: 'Split the recipients over several messages.',
    });
  }
}

/** Send a new message from an inbox: answers 202 once the message and its delivery job are committed. */
export async function sendMessage(deps: CoreDeps, p: KeyPrincipal, inboxId: string, input: SendInput, idem: IdempotencyContext): Promise<SendAccepted> {
  assertInbox(p, inboxId);
  const inbox = await deps.store.getInbox(p.orgId, inboxId);
  if (!inbox) throw notFound('inbox');
  checkRecipients(deps, input);
  return accept(deps, p, inbox, input, idem, null);
}

export interface ReplyInput extends Omit<SendInput, 'to' | 'subject'> {
  to: string[] | null;
  subject: string | null;
  replyAll: boolean;
}

/** Reply in the thread of `messageId`, with In-Reply-To and References set (RFC 5322 §3.6.4). */
export async function replyToMessage(deps: CoreDeps, p: KeyPrincipal, messageId: string, input: ReplyInput, idem: IdempotencyContext): Promise<SendAccepted> {
  const original = await deps.store.getMessage(p.orgId, messageId);
  if (!original) throw notFound('message');
  assertInbox(p, original.inboxId);
  const inbox = await deps.store.getInbox(p.orgId, original.inboxId);
  if (!inbox) throw notFound('message');
  const self = inbox.address.toLowerCase();
  let to = input.to;
  let cc = input.cc;
  if (!to) {
    to = original.direction === 'inbound' ? [original.replyTo ?? bareAddress(original.from)] : original.to;
    // Addresses of received mail were never validated: refuse (or drop, for reply-all) what cannot be written.
    if (!to.every((a) => isValidAddress(a))) {
      throw new BreakwaterError('validation_failed', 'the message has no valid address to reply to', {
        errors: [{ path: 'to', message: 'the original sender address is missing or invalid' }],
        fix: 'Pass `to` explicitly.',
      });
    }
    if (input.replyAll && original.direction === 'inbound') {
      cc = [...new Set([...cc, ...original.to, ...original.cc])].filter((a) => a.toLowerCase() !== self && isValidAddress(a));
    }
  }
  const base = input.subject ?? (/^re:/i.test(original.subject) ? original.subject : `Re: ${original.subject}`);
  // A received subject may hold a decoded CR/LF (RFC 2047 words can encode anything).
  const subject = base.replace(/[\r\n\0]+/g, ' ');
  const full: SendInput = { ...input, to, cc, subject };
  checkRecipients(deps, full);
  return accept(deps, p, inbox, full, idem, {
    threadId: original.threadId,
    inReplyTo: isWritableMessageId(original.messageId) ? original.messageId : null,
    references: [...original.references, original.messageId].filter(isWritableMessageId),
  });
}
