import { domainOf } from '../../mail/address.ts';
import { bareAddress } from '../../mail/parse.ts';
import type { CoreDeps } from '../context.ts';
import { announceEvents } from '../events/announce.ts';
import { statusEventType } from '../events/message-events.ts';
import { newId } from '../ids.ts';
import type { Inbox, Job, Message, OutboundStatus } from '../model.ts';
import { isHostedDomain } from '../inboxes/inbox-service.ts';
import { holdIfPaused, recordHandoff, signForDelivery } from './deliverability-steps.ts';
import { intakeMail } from '../inbound/intake.ts';

/** Relay retry delays after each failed attempt; after the last, the message is failed. */
export const DELIVERY_RETRY_MS = [30_000, 60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000, 60 * 60_000, 2 * 3600_000, 4 * 3600_000];

export type DeliveryOutcome =
  | { kind: 'done' }
  | { kind: 'retry'; runAt: number; error: string }
  | { kind: 'failed'; error: string }
  /** Pacing (pacing.ts): not now, not a failure; runs again at `runAt` without counting an attempt. */
  | { kind: 'defer'; runAt: number; reason: string };

/** What the job runner's line says about the attempt (lane, ids, decision); see job-runner.ts. */
type Logged = { log?: Record<string, unknown> };

/** The VERP return path: a DSN to it names the message it is about (DESIGN §8). */
export function returnPath(message: Message, domain: string): string {
  return `bounces+${message.id.toLowerCase()}@${domain}`;
}

/** The attempt's decision for telemetry and the job line: ids, result, destination domains. */
function observed(deps: CoreDeps, message: Message, decision: string): Logged {
  const domains = [...new Set([...message.to, ...message.cc, ...message.bcc].map((a) => domainOf(a).toLowerCase()))];
  deps.telemetry?.delivery({ result: decision, domains, org: message.orgId, inbox: message.inboxId });
  return { log: { lane: 'outbound', message: message.id, org: message.orgId, inbox: message.inboxId, decision } };
}

async function statusChange(deps: CoreDeps, message: Message, status: OutboundStatus, reason: string | null, detail: Record<string, unknown>, jobId: string): Promise<DeliveryOutcome & Logged> {
  const now = deps.clock();
  await deps.store.setMessageStatus({
    messageId: message.id, status, reason,
    event: { id: newId('evt', now), messageId: message.id, type: status, detail, createdAt: now },
  }, jobId);
  // The store appended the status's event (message.sent, …) in the same commit.
  if (statusEventType(status)) announceEvents(deps.notifier, [message.orgId]);
  return { kind: 'done', ...observed(deps, message, status) };
}

/**
 * Delivers one outbound message: hosted recipients through the inbound pipeline (at once,
 * no SMTP), others through the relay, or into the sandbox when no relay is configured.
 * Safe to run twice: local copies are deduplicated by Message-ID per inbox.
 */
export async function deliverMessage(deps: CoreDeps, job: Job): Promise<DeliveryOutcome & Logged> {
  const messageId = String(job.payload.messageId ?? '');
  if (Array.isArray(job.payload.only)) return redeliverDeferred(deps, job, messageId, job.payload.only.map(String));
  const message = await deps.store.getMessageById(messageId);
  // Deleted with its inbox, or already finished by an earlier run: nothing to do.
  if (!message || message.status !== 'queued') return { kind: 'done' };
  const held = await holdIfPaused(deps, message);
  if (held) return held;
  const stored = await deps.store.getRaw(message.id);
  if (!stored) return { kind: 'failed', error: 'raw message missing' };
  const raw = await signForDelivery(deps, message, stored);

  const recipients = [...new Set([...message.to, ...message.cc, ...message.bcc].map((a) => a.toLowerCase()))];
  const local: Inbox[] = [];
  const unknownLocal: string[] = [];
  const remote: string[] = [];
  for (const rcpt of recipients) {
    if (isHostedDomain(deps, domainOf(rcpt))) {
      const inbox = await deps.store.getInboxByAddress(rcpt);
      if (inbox) local.push(inbox);
      else unknownLocal.push(rcpt);
    } else {
      remote.push(rcpt);
    }
  }

  const from = returnPath(message, domainOf(bareAddress(message.from)));
  // Hosted recipients go through the same screened pipeline as SMTP mail: their lists apply.
  const refused = local.length > 0 ? (await intakeMail(deps, { raw, inboxes: local, envelopeFrom: from, via: 'local' })).refused : [];
  const accepted = local.filter((i) => !refused.some((r) => r.inbox.id === i.id));

  const detail: Record<string, unknown> = { local: accepted.map((i) => i.address) };
  if (unknownLocal.length > 0) detail.unknown = unknownLocal;
  if (refused.length > 0) detail.refused = refused.map((r) => ({ recipient: r.inbox.address, rule: r.rule }));

  if (remote.length === 0) {
    if (accepted.length === 0) {
      return statusChange(deps, message, 'failed', refused[0] ? `refused by the recipient's list: ${refused[0].rule}` : 'no such recipient on this host', detail, job.id);
    }
    await recordHandoff(deps, message, accepted.length, accepted.length);
    return statusChange(deps, message, 'delivered', null, detail, job.id);
  }

  if (!deps.transport) {
    detail.sandboxed = remote;
    return statusChange(deps, message, 'sandboxed', 'no relay configured: held in the sandbox', detail, job.id);
  }

  const pace = deps.pacer ? await deps.pacer.acquire(message.inboxId, remote.map(domainOf), job.runAt) : null;
  if (pace && !pace.ok) return { kind: 'defer', runAt: pace.runAt, reason: pace.reason };
  const outcome = await deps.transport.send({ from, to: remote, raw }).finally(() => { if (pace?.ok) pace.release(); });
  detail.remote = remote;
  detail.response = outcome.response;
  if (outcome.ok) {
    const refusedRemote = outcome.refused ?? [];
    const later = refusedRemote.filter((r) => !r.permanent).map((r) => r.recipient);
    const never = refusedRemote.filter((r) => r.permanent);
    // Recipients the relay deferred get a job of their own, committed before this one ends,
    // so a crash in between sends again rather than forgetting them.
    if (later.length > 0) await scheduleDeferred(deps, message.id, later, 0);
    if (never.length > 0) detail.failed_recipients = never.map((r) => ({ recipient: r.recipient, response: r.response }));
    if (later.length > 0) detail.deferred_recipients = later;
    const delivered = remote.length - refusedRemote.length;
    await recordHandoff(deps, message, accepted.length + delivered, accepted.length);
    const reason = never.length > 0 ? `refused by the relay for ${never.map((r) => r.recipient).join(', ')}` : null;
    return statusChange(deps, message, 'sent', reason, detail, job.id);
  }
  const delay = DELIVERY_RETRY_MS[job.attempts];
  if (outcome.permanent || delay === undefined) {
    return statusChange(deps, message, 'failed', outcome.response, detail, job.id);
  }
  return { kind: 'retry', runAt: deps.clock() + delay, error: outcome.response, ...observed(deps, message, 'deferred') };
}

/** Queues another attempt for recipients the relay deferred; `attempt` counts earlier ones. */
async function scheduleDeferred(deps: CoreDeps, messageId: string, recipients: string[], attempt: number): Promise<boolean> {
  const delay = DELIVERY_RETRY_MS[attempt];
  if (delay === undefined) return false;
  const runAt = deps.clock() + delay;
  await deps.queue.enqueue({ id: newId('job', deps.clock()), queue: 'delivery', payload: { messageId, only: recipients, attempt: attempt + 1 }, runAt });
  return true;
}

/**
 * A later attempt for recipients the relay deferred while it accepted the others: the message
 * keeps its status; each outcome is an event on it, and a recipient still deferred after the
 * last retry, or refused for good, is recorded as failed.
 */
async function redeliverDeferred(deps: CoreDeps, job: Job, messageId: string, only: string[]): Promise<DeliveryOutcome & Logged> {
  const message = await deps.store.getMessageById(messageId);
  if (!message || !deps.transport || only.length === 0) return { kind: 'done' };
  const raw = await deps.store.getRaw(message.id);
  if (!raw) return { kind: 'failed', error: 'raw message missing' };
  const from = returnPath(message, domainOf(bareAddress(message.from)));
  const outcome = await deps.transport.send({ from, to: only, raw });
  const attempt = Number(job.payload.attempt ?? 1);
  const event = async (type: string, detail: Record<string, unknown>) => {
    const now = deps.clock();
    await deps.store.appendMessageEvent({ id: newId('evt', now), messageId: message.id, type, detail, createdAt: now });
  };
  if (outcome.ok) {
    const refused = outcome.refused ?? [];
    const later = refused.filter((r) => !r.permanent).map((r) => r.recipient);
    const sent = only.filter((r) => !refused.some((x) => x.recipient === r));
    const gaveUp = later.length > 0 && !(await scheduleDeferred(deps, message.id, later, attempt));
    await event('recipients_sent', {
      sent, response: outcome.response,
      failed: [...refused.filter((r) => r.permanent).map((r) => ({ recipient: r.recipient, response: r.response })), ...(gaveUp ? later.map((r) => ({ recipient: r, response: 'still deferred after the last retry' })) : [])],
      ...(later.length > 0 && !gaveUp ? { deferred: later } : {}),
    });
    return { kind: 'done' };
  }
  if (!outcome.permanent && (await scheduleDeferred(deps, message.id, only, attempt))) {
    await event('recipients_deferred', { deferred: only, response: outcome.response });
    return { kind: 'done' };
  }
  await event('recipients_failed', { failed: only.map((r) => ({ recipient: r, response: outcome.response })) });
  return { kind: 'done' };
}
