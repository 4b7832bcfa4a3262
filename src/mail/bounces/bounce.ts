/**
 * Builds a BounceReport from a report mail: the RFC 3464 fields when there are any
 * (in a delivery-status part or pasted into the text), else the text heuristics;
 * the human-readable text fills in diagnostics the machine part leaves out.
 */
import { findAddresses, normalizeAddress } from './addresses.ts';
import { classify, extractStatus, HARD_REASONS, reasonFromStatus, reasonFromText } from './classify.ts';
import { isDelayNotice } from './detect.ts';
import type { DsnRecipient, DsnResult } from './dsn.ts';
import { parseDeliveryStatus } from './dsn.ts';
import { fieldValue } from './fields.ts';
import type { TextRecipient } from './heuristics.ts';
import { addressedTo, findTextRecipients, reportDiagnostic } from './heuristics.ts';
import type { ReportMail } from './mime.ts';
import { header } from './mime.ts';
import { normalizeMessageId, quotedHeaderValues, quotedMessageId, splitReport } from './sections.ts';
import type { BouncedRecipient, BounceReason, BounceReport } from './types.ts';

const SENDER_FIELDS = ['from', 'return-path', 'sender', 'reply-to'];

/**
 * Addresses that belong to the sender side: the report's own From and To (a bounce is
 * addressed to the original sender) and the returned message's From, Return-Path,
 * Sender, Reply-To and envelope sender. None of them is a failed recipient.
 */
function senderAddresses(mail: ReportMail, text: string, quoted: string): Set<string> {
  const values: string[] = [mail.from ?? '', header(mail, 'to') ?? '', header(mail, 'reply-to') ?? ''];
  for (const name of SENDER_FIELDS) {
    // "Return Path:" and "Reply To:" occur in quoted headers that MTAs re-typed.
    values.push(...quotedHeaderValues(quoted, name.replace('-', '[- ]')));
    const v = mail.originalHeaders ? fieldValue(mail.originalHeaders, name) : null;
    if (v) values.push(v);
  }
  for (const m of text.matchAll(/(?:envelope-from|envelope-sender|x-postfix-sender|original sender)[\s:=]*(?:rfc822;)?\s*<?([^\s<>;)]+)/gi)) values.push(m[1]!);
  return new Set(values.flatMap((v) => findAddresses(v).map((a) => a.address)));
}

/** Exim's X-Failed-Recipients header: the failed addresses, authoritative when present. */
function failedRecipientsHeader(mail: ReportMail): string[] {
  return mail.headers.filter((h) => h.name === 'x-failed-recipients').flatMap((h) => findAddresses(h.value).map((a) => a.address));
}

// PowerMTA classifies each bounce itself (its "bounce categories"); where it says the
// mailbox or domain is bad, that verdict is as strong as an X.1.1 code.
const POWERMTA_CATEGORIES: Readonly<Record<string, BounceReason>> = {
  'bad-mailbox': 'user_unknown',
  'bad-domain': 'domain_not_found',
  'inactive-mailbox': 'mailbox_disabled',
  'quota-issues': 'mailbox_full',
  'message-expired': 'expired',
  'no-answer-from-host': 'host_unreachable',
  'bad-connection': 'host_unreachable',
  'routing-errors': 'host_unreachable',
  'spam-related': 'spam_block',
  'policy-related': 'policy_block',
  'relaying-issues': 'policy_block',
  'content-related': 'content_rejected',
  'virus-related': 'content_rejected',
};

const MAILBOX_EXISTS: ReadonlySet<BounceReason> = new Set<BounceReason>(['mailbox_full', 'mailbox_disabled', 'message_too_large', 'rate_limited']);

function toBounced(r: DsnRecipient, text: TextRecipient | undefined): BouncedRecipient {
  const textDiagnostic = text?.diagnostic ?? null;
  const diagnostic = r.diagnostic ?? textDiagnostic;
  // When the DSN's own words and code say nothing specific, the human-readable part
  // usually does ("Not enough disk space" beside a bare 5.0.0).
  const vague = !reasonFromText(r.diagnostic) && (reasonFromStatus(r.status) ?? 'other') === 'other';
  const words = vague && textDiagnostic && r.diagnostic ? `${r.diagnostic} ${textDiagnostic}` : diagnostic;
  const c = classify({ status: r.status, diagnostic: words, action: r.action, context: text?.context ?? null });
  // X-Unix diagnostics come from a local delivery program (procmail, maildrop): the
  // mailbox was routed to, so its failure says nothing about the address being dead.
  const local = r.diagnosticType === 'x-unix';
  // A report whose prose says the mailbox is full, disabled or busy proves the mailbox
  // exists, whatever its DSN fields say: do not suppress on conflicting evidence.
  const alive = MAILBOX_EXISTS.has(reasonFromText(textDiagnostic) ?? 'other');
  const vendor = r.category ? POWERMTA_CATEGORIES[r.category] : undefined;
  const permanent = r.action === 'failed' && (r.status ?? '5').startsWith('5');
  return {
    recipient: r.recipient,
    hard: vendor ? permanent && HARD_REASONS.has(vendor) : c.hard && !local && !alive,
    reason: vendor ?? (local && c.reason !== 'mailbox_full' ? 'other' : c.reason),
    status: r.status ?? extractStatus(diagnostic),
    diagnostic,
    action: r.action,
    remoteMta: r.remoteMta,
  };
}

/**
 * The Message-ID of the bounced message: from the returned message or its quoted
 * headers, else the DSN's X-Original-Message-ID or the report's In-Reply-To (Gmail
 * sets both), else any Message-ID line in the report.
 */
function originalMessageId(mail: ReportMail, text: string, quoted: string, dsnMessageId: string | null): string | null {
  return (
    normalizeMessageId(mail.originalHeaders ? fieldValue(mail.originalHeaders, 'message-id') : null) ??
    quotedMessageId(quoted) ??
    quotedMessageId(mail.otherText.join('\n')) ??
    normalizeMessageId(dsnMessageId) ??
    normalizeMessageId(header(mail, 'in-reply-to')) ??
    quotedMessageId(text)
  );
}

/** Parses the delivery-status fields of the mail, from its parts or pasted in its text. */
function readDsn(mail: ReportMail, text: string): DsnResult {
  const sources = mail.deliveryStatus.length > 0 ? mail.deliveryStatus : [text, mail.rawBody];
  for (const source of sources) {
    const result = parseDeliveryStatus(source);
    if (result.recipients.length > 0 || result.succeeded > 0) return result;
  }
  return { recipients: [], succeeded: 0, envelopeId: null, messageId: null };
}

/**
 * When no line names a failed recipient, the To of the returned message is the best
 * remaining guess (a carrier's "could not be delivered to mobile", a Postfix report
 * whose per-recipient part is missing).
 */
function lastResortRecipients(mail: ReportMail, report: string, quoted: string, exclude: ReadonlySet<string>): string[] {
  const inReport = addressedTo(report, exclude);
  if (inReport.length > 0) return inReport;
  const inQuote = addressedTo(quoted, exclude);
  if (inQuote.length > 0) return inQuote;
  const values = (mail.originalHeaders ?? []).filter((h) => h.name === 'to' || h.name === 'cc').map((h) => h.value);
  return [...new Set(values.flatMap((v) => findAddresses(v).map((a) => a.address)))].filter((a) => !exclude.has(a));
}

// Bounds the context handed to the classifier; the lines that matter come first.
const MAX_CONTEXT = 8192;

/** Recipients of a text-only bounce, classified from their lines of the report. */
function fromText(mail: ReportMail, report: string, quoted: string, exclude: ReadonlySet<string>, anchored: TextRecipient[]): BouncedRecipient[] {
  const hinted = failedRecipientsHeader(mail);
  let found = hinted.length > 0 ? findTextRecipients(report, exclude, hinted) : anchored;
  if (found.length === 0) {
    const diagnostic = reportDiagnostic(report);
    const context = report.slice(0, MAX_CONTEXT);
    found = lastResortRecipients(mail, report, quoted, exclude).map((recipient) => ({ recipient, diagnostic, context }));
  }
  const action = isDelayNotice(mail, report) ? 'delayed' : 'failed';
  return found.map(({ recipient, diagnostic, context }) => {
    const c = classify({ status: null, diagnostic, action, context });
    return { recipient: normalizeAddress(recipient), hard: c.hard, reason: c.reason, status: extractStatus(diagnostic), diagnostic, action, remoteMta: null };
  });
}

/** Builds the bounce report of `mail`, or null when it names no failed recipient. */
export function parseBounce(mail: ReportMail): BounceReport | null {
  const text = mail.text.trim() !== '' ? mail.text : mail.rawBody;
  const { report, quoted } = splitReport(text);
  const exclude = senderAddresses(mail, text, quoted);
  const anchored = findTextRecipients(report, exclude);
  const dsn = readDsn(mail, text);
  if (dsn.recipients.length === 0 && dsn.succeeded > 0) return null; // a success DSN (delivered, relayed, expanded)

  let recipients: BouncedRecipient[];
  if (dsn.recipients.length > 0) {
    const byAddress = new Map(anchored.map((r) => [r.recipient, r]));
    // A DSN about one recipient: the prose is about it too, even when it names no address.
    const prose = reportDiagnostic(report);
    const single = anchored.length === 1 ? anchored[0] : prose ? { recipient: '', diagnostic: prose, context: report.slice(0, MAX_CONTEXT) } : undefined;
    recipients = dsn.recipients.map((r) => toBounced(r, byAddress.get(r.recipient) ?? (dsn.recipients.length === 1 ? single : undefined)));
  } else {
    recipients = fromText(mail, report, quoted, exclude, anchored);
  }
  if (recipients.length === 0) return null;
  return { kind: 'bounce', recipients, originalMessageId: originalMessageId(mail, text, quoted, dsn.messageId), originalEnvelopeId: dsn.envelopeId };
}
