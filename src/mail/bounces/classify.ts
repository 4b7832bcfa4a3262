/**
 * From what a report says about one recipient (RFC 3463 status code, the server's
 * diagnostic text, the RFC 3464 action) to a reason and the hard/soft decision.
 *
 * Hard means "the address is dead, suppress it": the mailbox or its domain does not
 * exist, permanently. Everything else is soft, including permanent (5.x.x) policy and
 * spam blocks, rate limits, full mailboxes, oversized messages and disabled or
 * suspended accounts: those recipients still exist and mail to them can work again
 * once the sender, the message or the mailbox changes. Suppressing them would lose a
 * working recipient; a delayed report is never hard.
 */
import { PHRASE_RULES, WEAK_RULES } from './patterns.ts';
import type { BounceReason } from './types.ts';

/** What the classifier reads about one recipient. */
export interface ClassifyInput {
  /** RFC 3463 enhanced status code, e.g. "5.1.1". */
  status: string | null;
  /** Diagnostic text (SMTP reply or the MTA's explanation). */
  diagnostic: string | null;
  action: 'failed' | 'delayed' | null;
  /** Text around the diagnostic (the report's lines about this recipient), read only
   * to learn at which SMTP command the recipient was refused. */
  context?: string | null;
}

/** The classifier's answer. */
export interface Classification {
  reason: BounceReason;
  hard: boolean;
}

/** Reasons that mean the address itself is dead (see the module comment). */
export const HARD_REASONS: ReadonlySet<BounceReason> = new Set<BounceReason>(['user_unknown', 'domain_not_found']);

// An enhanced status code not embedded in an IP address or version number.
const STATUS_IN_TEXT = /(?<![\w.])([245])\.(\d{1,3})\.(\d{1,3})(?![\w]|\.\d)/;
// A basic SMTP reply code at the start of a reply line ("550 ", "550-", "550:").
const REPLY_IN_TEXT = /(?:^|[\s;:([<"'])([245][0-5]\d)(?=[\s:-]|$)/;

/** The first RFC 3463 status code in `text` ("5.1.1"), or null. */
export function extractStatus(text: string | null | undefined): string | null {
  if (!text) return null;
  const m = STATUS_IN_TEXT.exec(text);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : null;
}

/** The first RFC 5321 reply code in `text` ("550"), or null. */
export function extractReplyCode(text: string | null | undefined): string | null {
  if (!text) return null;
  const m = REPLY_IN_TEXT.exec(text);
  return m ? m[1]! : null;
}

function fold(text: string): string {
  // Addresses and URL paths are names, not words: "blocked@example.com" says nothing,
  // while a URL's host may ("www.spamhaus.org").
  // Diagnostics are short; the cap bounds the work on a hostile one.
  return text
    .slice(0, 4000)
    .replace(/[^\s@]*@\S*/g, ' ')
    .replace(/https?:\/\/([^/\s]+)\S*/g, ' $1 ')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    // Postfix prefixes every RCPT refusal so; the words after it are the reason.
    .replace(/recipient address rejected: (?!access denied)/g, '');
}

function match(rules: readonly (readonly [BounceReason, RegExp])[], text: string | null | undefined): BounceReason | null {
  if (!text) return null;
  const folded = fold(text);
  for (const [reason, pattern] of rules) if (pattern.test(folded)) return reason;
  return null;
}

/** Reason from the diagnostic text alone, or null when no phrase is known. */
export function reasonFromText(text: string | null | undefined): BounceReason | null {
  return match(PHRASE_RULES, text);
}

/**
 * Reason from the enhanced status code alone (RFC 3463 section 3 subjects and details,
 * RFC 7372 for the 5.7.2x authentication codes), or null for codes that say nothing
 * specific (x.0.0, x.5.x protocol errors, unknown details).
 */
export function reasonFromStatus(status: string | null | undefined): BounceReason | null {
  const m = status ? /^([245])\.(\d{1,3})\.(\d{1,3})$/.exec(status) : null;
  if (!m) return null;
  const subject = Number(m[2]);
  const detail = Number(m[3]);
  switch (subject) {
    case 1:
      if (detail === 1 || detail === 3 || detail === 6) return 'user_unknown';
      if (detail === 2 || detail === 10) return 'domain_not_found';
      if (detail === 7 || detail === 8) return 'policy_block'; // the sender's address
      return null;
    case 2:
      if (detail === 1) return 'mailbox_disabled';
      if (detail === 2) return 'mailbox_full';
      if (detail === 3) return 'message_too_large';
      return null;
    case 3:
      return detail === 4 ? 'message_too_large' : 'other';
    case 4:
      if (detail === 4) return 'domain_not_found';
      if (detail === 7) return 'expired';
      if (detail === 1 || detail === 2 || detail === 5) return 'host_unreachable';
      return 'other';
    case 5:
      return 'other';
    case 6:
      return 'content_rejected';
    case 7:
      if (detail === 13) return 'mailbox_disabled';
      if (detail === 25) return 'policy_block';
      if (detail >= 20 && detail <= 26) return 'authentication_failed';
      if (detail === 7) return 'content_rejected';
      return 'policy_block';
    default:
      return null;
  }
}

// Wording of a report that gives no code but says it will try again.
const TEMPORARY_TEXT = /temporar|try again later|will be retried|will retry|deferred|warning only|delayed/i;
// Where in the SMTP dialogue the refusal came, as the reporting MTA tells it.
const AT_DATA = /end of data|after data|data command|final data|\[data\]|-{3,}\s*smtp command\s*data/i;
const AT_RCPT = /(?:after|in reply to|following|like our|>>>|<<<)\s*(?:the\s+)?rcpt\b|rcpt to response|\[rcpt_to\]|smtp:rcpt/i;

// Replies that come from the recipient's own directory (Domino, Notes, Exchange, the
// local delivery agent, Microsoft's directory-based edge blocking), never from a filter.
const DIRECTORY_SAYS_UNKNOWN = /not listed in (?:domino directory|public name)|ディレクトリのリストにありません|recipient name is not recognized|recipientnotfound|mail\.local: unknown user|no valid recipients|recipient address rejected: access denied/i;

/** RFC 3463 codes that say the address itself is bad: X.1.1, X.1.2, X.1.3, X.1.6, X.1.10. */
function isAddressCode(status: string | null): boolean {
  return status !== null && /^5\.1\.(?:1|2|3|6|10)$/.test(status);
}

/**
 * Classifies one recipient. The status code is read first; a known diagnostic phrase
 * overrides it, because MTAs routinely send 5.1.1 or 5.7.1 with any text ("550 5.1.1
 * mailbox over quota") while the words are written for the case at hand.
 */
export function classify(input: ClassifyInput): Classification {
  const inText = extractStatus(input.diagnostic);
  const status = input.status ?? inText;
  // A vague DSN Status (5.0.0) often hides a precise code in the reply text.
  const reason = reasonFromText(input.diagnostic) ?? reasonFromStatus(status) ?? reasonFromStatus(inText) ?? match(WEAK_RULES, input.diagnostic) ?? 'other';
  return { reason, hard: isHard(reason, status, inText, input) };
}

function isHard(reason: BounceReason, status: string | null, inText: string | null, input: ClassifyInput): boolean {
  if (input.action === 'delayed' || !HARD_REASONS.has(reason)) return false;
  // A 4.x.x status is transient by definition (RFC 3463 2), even when the MTA gave up.
  if (status && !status.startsWith('5')) return false;
  const reply = extractReplyCode(input.diagnostic);
  if (!status && reply && !reply.startsWith('5')) return false;
  if (!status && !reply && TEMPORARY_TEXT.test(input.diagnostic ?? '')) return false;
  if (reason === 'domain_not_found') return true;
  // "User unknown" alone is weak evidence: content filters answer it after DATA to
  // hide why they refuse, and a wrong suppression loses a live recipient. Require a
  // code that names the address as bad, or a refusal of the RCPT TO command itself.
  if (isAddressCode(status) || isAddressCode(inText) || DIRECTORY_SAYS_UNKNOWN.test(input.diagnostic ?? '')) return true;
  const context = `${input.diagnostic ?? ''}\n${input.context ?? ''}`;
  return AT_RCPT.test(context) && !AT_DATA.test(context);
}
