import { intakeReport } from '../../core/bounces/intake.ts';
import { reportAddress } from '../../core/bounces/report-address.ts';
import { intakeMail, screenEnvelope, type InboxRefusal } from '../../core/inbound/intake.ts';
import { isHostedDomain } from '../../core/inboxes/inbox-service.ts';
import { domainOf, isValidAddress, localPartOf } from '../../mail/address.ts';
import { SMTP_REPLIES, type SmtpRefusal } from '../node/smtp/smtp-replies.ts';
import { MAX_MESSAGE_BYTES, type WorkerComposition } from './compose.ts';

/** What the handler needs of Email Workers' ForwardableEmailMessage (tests build one). */
export type InboundEmail = Pick<ForwardableEmailMessage, 'from' | 'to' | 'raw' | 'rawSize' | 'setReject'>;

/** A refusal Email Routing can only give as a temporary failure: the handler throws it. */
export class TemporaryRefusal extends Error {}

/** The reply text of a refusal, e.g. `5.1.1 <a@b>: no such mailbox here`: the same words as the Node MX. */
function reason(kind: SmtpRefusal, subject?: string): string {
  const r = SMTP_REPLIES[kind];
  return `${r.status} ${subject ? `${subject}: ` : ''}${r.text}`;
}

function listReason(r: InboxRefusal): string {
  const address = r.address.replace(/[^\x21-\x7e]/g, '?').slice(0, 254);
  return reason('sender_blocked', `<${address}>: ${r.rule.replace(/[^\x20-\x7e]/g, '?').slice(0, 300)}`);
}

/**
 * Email Workers' `email()`: one message for one recipient, through the same gates and pipeline
 * as the Node MX (src/runtime/node/smtp/inbound-server.ts). A permanent refusal is
 * `setReject(reason)`; a temporary one (a quarantined mailbox, a store fault) throws, which
 * Email Routing answers with a temporary failure so the sender retries.
 */
export async function receiveEmail(c: WorkerComposition, message: InboundEmail): Promise<void> {
  const { core: deps, logger } = c;
  const from = message.from.trim().replace(/^<>$/, '');
  const rcpt = message.to.trim().toLowerCase();
  const reject = (text: string, rule: string) => {
    logger.info({ lane: 'inbound', email: 'refused', rule, to: rcpt }, 'email message');
    message.setReject(text);
  };
  if (message.rawSize > MAX_MESSAGE_BYTES) return reject(reason('too_large', `over ${MAX_MESSAGE_BYTES} bytes`), 'too_large');
  // A null reverse-path (a bounce) has no domain to refuse.
  if (from && deps.edge.quarantine.check('domain', domainOf(from), 'inbound')) return reject(reason('sender_quarantined', `<${from}>`), 'sender_quarantined');
  if (!isValidAddress(rcpt)) return reject(reason('bad_address', `<${rcpt.slice(0, 254)}>`), 'bad_address');
  if (!isHostedDomain(deps, domainOf(rcpt))) return reject(reason('relay_denied', `<${rcpt}>`), 'relay_denied');

  // Bounces and complaints (VERP, postmaster@, abuse@) go to the intake, not an inbox; never refused.
  const report = reportAddress(localPartOf(rcpt));
  if (report) {
    const raw = await readRaw(message.raw, MAX_MESSAGE_BYTES);
    if (!raw) return reject(reason('too_large', `over ${MAX_MESSAGE_BYTES} bytes`), 'too_large');
    const r = await intakeReport(deps, raw, report.kind === 'verp' ? [report.messageId] : []);
    logger.info({ lane: 'outbound', email: 'report', envelope_from: from, bytes: raw.byteLength, ...r, result: r.kind }, 'report intake');
    return;
  }

  const inbox = await deps.store.getInboxByAddress(rcpt);
  if (!inbox) return reject(reason('unknown_user', `<${rcpt}>`), 'unknown_user');
  if (deps.edge.quarantine.check('inbox', inbox.id, 'inbound') ?? deps.edge.quarantine.check('domain', inbox.domain, 'inbound')) {
    throw new TemporaryRefusal(reason('mailbox_quarantined', `<${rcpt}>`));
  }
  const blocked = await screenEnvelope(deps, inbox, from || null);
  if (blocked) return reject(listReason(blocked), blocked.rule);

  const raw = await readRaw(message.raw, MAX_MESSAGE_BYTES);
  if (!raw) return reject(reason('too_large', `over ${MAX_MESSAGE_BYTES} bytes`), 'too_large');
  const started = performance.now();
  // Email Routing does not tell a Worker the SMTP client's address; verdicts come from its
  // Authentication-Results header when configured (compose.ts), else they are not checked.
  const outcome = await intakeMail(deps, { raw, inboxes: [inbox], envelopeFrom: from || null, via: 'smtp', client: { ip: '', helo: null } });
  if (!outcome.ok) return reject(listReason(outcome.refused[0]!), outcome.refused[0]!.rule);
  logger.info({
    lane: 'inbound', email: 'accepted', bytes: raw.byteLength, inbox: inbox.id, stored: outcome.stored.map((m) => m.id),
    dmarc: outcome.auth?.dmarc ?? null, ms: Math.round(performance.now() - started),
  }, 'email message');
}

/** The message's bytes, or null past `max` (rawSize is a claim; the stream is the truth). */
export async function readRaw(stream: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
