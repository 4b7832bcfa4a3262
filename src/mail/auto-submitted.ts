/**
 * Whether a received message was sent by a machine rather than a person (RFC 3834): the
 * `auto_submitted` flag an agent reads before it answers, because answering a machine is how
 * two responders end up mailing each other forever. Never the subject alone: a person may well
 * write "Out of office" in one, and the agent would then ignore them.
 */
import { fromMailSystem, hasAutoReplyHeader, type MailHead } from './bounces/detect.ts';
import { mayBeReport, parseReport, type ReportHint } from './bounces/index.ts';
import { header } from './bounces/mime.ts';

/**
 * Past this size a message is not read a second time as a report. Bounces and complaints are
 * small unless they return a large message, and those carry the header marks above.
 */
const REPORT_READ_MAX = 1024 * 1024;

// RFC 6522: delivery status notices (RFC 3464), read receipts (RFC 8098) and feedback
// reports (RFC 5965) all travel as multipart/report, whoever claims to send them.
const REPORT = /^\s*multipart\/report\b/i;

/** The keyword of an Auto-Submitted field, without comments and parameters (RFC 3834 §5). */
function keyword(value: string): string {
  return value.replace(/\([^)]*\)/g, '').split(';')[0]!.trim().toLowerCase();
}

/**
 * True when Auto-Submitted is present with any keyword but "no" (auto-replied, auto-generated,
 * auto-notified, extensions), when an older responder's auto-reply header is there, and for
 * bounces and reports: the same header tests the bounce parser uses (bounces/detect.ts).
 */
export function isAutoSubmitted(mail: MailHead): boolean {
  const submitted = keyword(header(mail, 'auto-submitted') ?? '');
  if (submitted !== '' && submitted !== 'no') return true;
  return hasAutoReplyHeader(mail) || fromMailSystem(mail) || REPORT.test(header(mail, 'content-type') ?? '');
}

/**
 * isAutoSubmitted, or else a bounce or complaint that says so only in its body (an SES
 * notification, a feedback report inside multipart/mixed, a carrier's notice from an ordinary
 * address): true when the bounce parser finds a report in it. `hint` is what the parse for
 * storage read; ordinary single-part mail is never parsed twice (mayBeReport).
 */
export async function isMachineMail(raw: Uint8Array, hint: ReportHint): Promise<boolean> {
  if (isAutoSubmitted(hint)) return true;
  if (raw.byteLength > REPORT_READ_MAX || !mayBeReport(hint)) return false;
  return (await parseReport(raw)) !== null;
}
