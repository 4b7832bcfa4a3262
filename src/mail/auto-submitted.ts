/**
 * Whether a received message was sent by a machine rather than a person (RFC 3834): the
 * `auto_submitted` flag an agent reads before it answers, because answering a machine is how
 * two responders end up mailing each other forever. Headers only, never the subject: a person
 * may well write "Out of office" in one, and the agent would then ignore them.
 */
import { fromMailSystem, hasAutoReplyHeader, type MailHead } from './bounces/detect.ts';
import { header } from './bounces/mime.ts';

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
