import { domainOf } from '../../mail/address.ts';
import { bareAddress } from '../../mail/parse.ts';
import type { CoreDeps } from '../context.ts';
import { newId } from '../ids.ts';
import type { Inbox, Job, Message, OutboundStatus } from '../model.ts';
import { isHostedDomain } from '../inboxes/inbox-service.ts';
import { receiveMail } from '../messages/receive.ts';

/** Relay retry delays after each failed attempt; after the last, the message is failed. */
export const DELIVERY_RETRY_MS = [30_000, 60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000, 60 * 60_000, 2 * 3600_000, 4 * 3600_000];

export type DeliveryOutcome =
  | { kind: 'done' }
  | { kind: 'retry'; runAt: number; error: string }
  | { kind: 'failed'; error: string };

/** The VERP return path: a DSN to it names the message it is about (DESIGN §8). */
export function returnPath(message: Message, domain: string): string {
  return `bounces+${message.id.toLowerCase()}@${domain}`;
}

async function statusChange(deps: CoreDeps, message: Message, status: OutboundStatus, reason: string | null, detail: Record<string, unknown>, jobId: string) {
  const now = deps.clock();
  await deps.store.setMessageStatus({
    messageId: message.id, status, reason,
    event: { id: newId('evt', now), messageId: message.id, type: status, detail, createdAt: now },
  }, jobId);
}

/**
 * Delivers one outbound message: hosted recipients through the inbound pipeline (at once,
 * no SMTP), others through the relay, or into the sandbox when no relay is configured.
 * Safe to run twice: local copies are deduplicated by Message-ID per inbox.
 */
export async function deliverMessage(deps: CoreDeps, job: Job): Promise<DeliveryOutcome> {
  const messageId = String(job.payload.messageId ?? '');
  const message = await deps.store.getMessageById(messageId);
  // Deleted with its inbox, or already finished by an earlier run: nothing to do.
  if (!message || message.status !== 'queued') return { kind: 'done' };
  const raw = await deps.store.getRaw(message.id);
  if (!raw) return { kind: 'failed', error: 'raw message missing' };

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
  if (local.length > 0) await receiveMail(deps, { raw, inboxes: local, envelopeFrom: from, via: 'local' });

  const detail: Record<string, unknown> = { local: local.map((i) => i.address) };
  if (unknownLocal.length > 0) detail.unknown = unknownLocal;

  if (remote.length === 0) {
    if (local.length === 0) {
      await statusChange(deps, message, 'failed', 'no such recipient on this host', detail, job.id);
      return { kind: 'done' };
    }
    await statusChange(deps, message, 'delivered', null, detail, job.id);
    return { kind: 'done' };
  }

  if (!deps.transport) {
    detail.sandboxed = remote;
    await statusChange(deps, message, 'sandboxed', 'no relay configured: held in the sandbox', detail, job.id);
    return { kind: 'done' };
  }

  const outcome = await deps.transport.send({ from, to: remote, raw });
  detail.remote = remote;
  detail.response = outcome.response;
  if (outcome.ok) {
    await statusChange(deps, message, 'sent', null, detail, job.id);
    return { kind: 'done' };
  }
  const delay = DELIVERY_RETRY_MS[job.attempts];
  if (outcome.permanent || delay === undefined) {
    await statusChange(deps, message, 'failed', outcome.response, detail, job.id);
    return { kind: 'done' };
  }
  return { kind: 'retry', runAt: deps.clock() + delay, error: outcome.response };
}
