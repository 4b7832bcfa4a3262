/**
 * Bounce and complaint intake: a report that reached a VERP address, postmaster@ or abuse@ is
 * parsed (src/mail/bounces), matched to the outbound message it is about (by VERP token, else
 * by the Message-ID it quotes), and acted on. Hard bounce: the message is `bounced`, the address
 * suppressed for the org, the inbox's reputation counts it. Soft bounce: a message event only;
 * retrying is the relay's business. Complaint: `complained`, suppressed, counted.
 *
 * Only the message's own recipients are acted on: whoever can reach the MX could otherwise
 * suppress any address of an org with one forged report.
 */
import { parseReport, type BouncedRecipient, type BounceReport, type ComplaintReport } from '../../mail/bounces/index.ts';
import { bareAddress } from '../../mail/parse.ts';
import type { CoreDeps } from '../context.ts';
import type { Deliverability } from '../deliverability.ts';
import { announceEvents } from '../events/announce.ts';
import { newId } from '../ids.ts';
import type { Message, OutboundStatus } from '../model.ts';
import { suppressAuto } from '../suppressions/suppression-service.ts';

export type IntakeResult =
  | { kind: 'bounce'; messageId: string; hard: string[]; soft: string[] }
  | { kind: 'complaint'; messageId: string; recipients: string[] }
  | { kind: 'ignored'; reason: string };

/** Feedback types that are complaints (RFC 5965 §7.3); opt-out is an unsubscribe, the rest is not about the sender. */
const COMPLAINT_TYPES = new Set(['abuse', 'fraud', 'virus', 'other']);

const recipientsOf = (m: Message) => [...new Set([...m.to, ...m.cc, ...m.bcc].map((a) => a.toLowerCase()))];

async function match(deps: CoreDeps, d: Deliverability, report: BounceReport | ComplaintReport, verpIds: string[]): Promise<Message | null> {
  for (const id of verpIds) {
    const m = await deps.store.getMessageById(id);
    if (m?.direction === 'outbound') return m;
  }
  return report.originalMessageId ? d.store.findOutboundByMessageId(report.originalMessageId) : null;
}

async function changeStatus(deps: CoreDeps, message: Message, status: OutboundStatus, reason: string, detail: Record<string, unknown>): Promise<void> {
  const now = deps.clock();
  await deps.store.setMessageStatus({
    messageId: message.id, status, reason,
    event: { id: newId('evt', now), messageId: message.id, type: status, detail, createdAt: now },
  });
  // The store appended message.bounced / message.complained in the same commit.
  announceEvents(deps.notifier, [message.orgId]);
}

/** Recipients already counted as hard bounces for this message: a repeated DSN counts once. */
async function bouncedBefore(deps: CoreDeps, messageId: string): Promise<Set<string>> {
  const events = await deps.store.listMessageEvents(messageId);
  const done = events.filter((e) => e.type === 'bounced').flatMap((e) => (e.detail?.recipients as Array<{ recipient: string }> | undefined) ?? []);
  return new Set(done.map((r) => r.recipient));
}

const bounceJson = (r: BouncedRecipient) => ({ recipient: r.recipient, hard: r.hard, reason: r.reason, status: r.status, diagnostic: r.diagnostic, action: r.action });

async function onBounce(deps: CoreDeps, d: Deliverability, message: Message, report: BounceReport): Promise<IntakeResult> {
  const sentTo = recipientsOf(message);
  // An alias may bounce under its final address: with one recipient and one failure, it is that one.
  const reported = report.recipients.length === 1 && sentTo.length === 1 && !sentTo.includes(report.recipients[0]!.recipient)
    ? [{ ...report.recipients[0]!, recipient: sentTo[0]! }]
    : report.recipients.filter((r) => sentTo.includes(r.recipient));
  const before = await bouncedBefore(deps, message.id);
  const hard = reported.filter((r) => r.hard && r.action !== 'delayed' && !before.has(r.recipient));
  const soft = reported.filter((r) => !(r.hard && r.action !== 'delayed'));
  const now = deps.clock();
  if (soft.length > 0) {
    await d.store.addMessageEvent({ id: newId('evt', now), messageId: message.id, type: 'soft_bounce', detail: { recipients: soft.map(bounceJson) }, createdAt: now });
  }
  if (hard.length > 0) {
    for (const r of hard) await suppressAuto(d, message.orgId, r.recipient, 'hard_bounce', message.id, now);
    const inbox = await deps.store.getInbox(message.orgId, message.inboxId);
    if (inbox) await d.reputation.recordHardBounce(inbox, message.id, hard.length);
    const first = hard[0]!;
    await changeStatus(deps, message, 'bounced', `hard bounce: ${first.recipient} ${first.status ?? ''} ${first.reason}${hard.length > 1 ? ` (+${hard.length - 1} more)` : ''}`.replace(/\s+/g, ' '),
      { recipients: hard.map(bounceJson) });
  }
  return { kind: 'bounce', messageId: message.id, hard: hard.map((r) => r.recipient), soft: soft.map((r) => r.recipient) };
}

async function onComplaint(deps: CoreDeps, d: Deliverability, message: Message, report: ComplaintReport): Promise<IntakeResult> {
  const sentTo = recipientsOf(message);
  let recipients = report.recipients.map((r) => bareAddress(r).toLowerCase()).filter((r) => sentTo.includes(r));
  // Providers often redact the complainant (RFC 6591 §3.2); with one recipient it can only be that one.
  if (recipients.length === 0 && sentTo.length === 1) recipients = sentTo;
  const now = deps.clock();
  const type = report.feedbackType;
  if (type === 'opt-out') {
    for (const r of recipients) {
      await d.store.putSuppression({ id: newId('sup', now), orgId: message.orgId, address: r, reason: 'unsubscribe', source: 'auto', messageId: message.id, createdAt: now, expiresAt: null });
    }
    await d.store.addMessageEvent({ id: newId('evt', now), messageId: message.id, type: 'unsubscribed', detail: { recipients }, createdAt: now });
    return { kind: 'complaint', messageId: message.id, recipients };
  }
  if (!COMPLAINT_TYPES.has(type)) {
    await d.store.addMessageEvent({ id: newId('evt', now), messageId: message.id, type: 'feedback', detail: { feedback_type: type, recipients }, createdAt: now });
    return { kind: 'ignored', reason: `feedback type ${type} is not a complaint` };
  }
  for (const r of recipients) await suppressAuto(d, message.orgId, r, 'complaint', message.id, now);
  if (message.status !== 'complained') {
    const inbox = await deps.store.getInbox(message.orgId, message.inboxId);
    if (inbox) await d.reputation.recordComplaint(inbox, message.id);
    await changeStatus(deps, message, 'complained', `complaint (${type})${recipients.length ? ` from ${recipients.join(', ')}` : ''}`,
      { feedback_type: type, recipients, user_agent: report.userAgent ?? null, source_ip: report.sourceIp ?? null });
  }
  return { kind: 'complaint', messageId: message.id, recipients };
}

/**
 * Acts on one report message. `verpIds` are the message ids of the VERP addresses it was sent
 * to (empty for postmaster@ and abuse@). A report that matches nothing is a value, never a throw;
 * store faults reject (the SMTP layer answers 451 and the sender retries).
 */
export async function intakeReport(deps: CoreDeps, raw: Uint8Array, verpIds: string[]): Promise<IntakeResult> {
  const d = deps.deliverability;
  if (!d) return { kind: 'ignored', reason: 'deliverability is not configured' };
  const report = await parseReport(raw);
  if (!report) return { kind: 'ignored', reason: 'neither a bounce nor a complaint' };
  const message = await match(deps, d, report, verpIds);
  if (!message) return { kind: 'ignored', reason: `no outbound message matches (${report.originalMessageId ?? 'no Message-ID quoted'})` };
  return report.kind === 'bounce' ? onBounce(deps, d, message, report) : onComplaint(deps, d, message, report);
}
