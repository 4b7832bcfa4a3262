/**
 * Bounce and complaint parsing: turns a report message (RFC 3464 DSN, a non-standard
 * bounce, an RFC 5965 / RFC 6591 feedback report, an Amazon SES notification) into the
 * recipients it is about and what happened to them. Web standards only: it runs on
 * Node and Cloudflare Workers.
 */
import { parseFeedbackReport, parseNonArfComplaint } from './arf.ts';
import { parseBounce } from './bounce.ts';
import { fromMailSystem, hasBounceSubject, mayBeBounce, type MailHead } from './detect.ts';
import type { ReportMail } from './mime.ts';
import { header, readReportMail } from './mime.ts';
import { isSesNotification, parseSesNotification } from './ses.ts';
import type { BounceReport, ComplaintReport } from './types.ts';

export type { BounceReason, BouncedRecipient, BounceReport, ComplaintReport, ParsedReport } from './types.ts';
export { classify, HARD_REASONS } from './classify.ts';
export type { Classification, ClassifyInput } from './classify.ts';

/**
 * Parses a report message. Answers a BounceReport (failed or delayed recipients), a
 * ComplaintReport, or null for anything else: ordinary mail, auto-replies and vacation
 * notices, challenge-response requests, success DSNs, and input postal-mime cannot read.
 * Never throws for bad input.
 */
export async function parseReport(raw: Uint8Array | string): Promise<BounceReport | ComplaintReport | null> {
  let mail: ReportMail;
  try {
    mail = await readReportMail(raw);
  } catch {
    return null; // unreadable or over the parse limits: not a report we can act on
  }
  // A feedback-report part is unambiguous, and some complaints are marked auto-replied.
  for (const part of mail.feedbackReports) {
    const complaint = parseFeedbackReport(part, mail);
    if (complaint) return complaint;
  }
  const nonArf = parseNonArfComplaint(mail);
  if (nonArf) return nonArf;
  if (isSesNotification(mail.text)) return parseSesNotification(mail.text);
  if (mail.deliveryStatus.length === 0 && !mayBeBounce(mail)) return null;
  return parseBounce(mail);
}

/** What mayBeReport reads: what a parse for storage has already read. */
export interface ReportHint extends MailHead {
  subject: string;
  /** The top-level body: text/plain, else the HTML source. */
  body: string;
}

/**
 * False only when parseReport would answer null: a message whose top level is text/plain or
 * text/html has no part a delivery status or feedback report could be in, so only its sender,
 * its subject, an SES notification in its body or X-Apple-Unsubscribe could make it a report.
 * The inbound path asks this first and spares ordinary mail a second MIME parse.
 */
export function mayBeReport(hint: ReportHint): boolean {
  const type = (header(hint, 'content-type') ?? 'text/plain').trim().toLowerCase();
  if (!/^text\/(?:plain|html)\b/.test(type)) return true;
  if (fromMailSystem(hint) || hasBounceSubject(hint.subject) || header(hint, 'x-apple-unsubscribe') !== null) return true;
  return /"(?:notificationType|eventType)"/.test(hint.body);
}
