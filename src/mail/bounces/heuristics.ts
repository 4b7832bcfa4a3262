/**
 * Non-standard bounces: the plain-text notices of Exim, qmail, old Sendmail, Exchange
 * 2003, Domino, Gmail's and Yahoo's legacy formats, IMail, OpenSMTPD, mobile carriers
 * and others. None of them is machine-readable, but they share a layout: some prose,
 * then each failed address at the start of a line (or after "to:" / "recipient:"),
 * followed or preceded by the remote server's reply. This module finds those anchors
 * instead of keeping one parser per MTA, and gives each recipient the lines that
 * belong to it as its diagnostic.
 */
import { findAddresses } from './addresses.ts';
import { extractReplyCode, extractStatus, reasonFromText } from './classify.ts';

/** A recipient found in a text bounce and the text that explains its failure. */
export interface TextRecipient {
  recipient: string;
  diagnostic: string | null;
  /** All report lines about this recipient, for the classifier's context. */
  context: string;
}

// Lines that describe the returned message or its sender, not a failed recipient.
const HEADER_LINE = /^\s*(?:from|reply-to|return-path|sender|message-id|in-reply-to|references|date|subject|to|cc|bcc|envelope-from|original sender|mail from|sender-mta|reporting-mta|received|content-[\w-]+|list-[\w-]+|x-[\w-]+)\s*:/i;
// Text before an address that makes it the sender (or an alias it came from).
const SENDER_BEFORE = /(?:\bfrom|sender|\bby|generated|envelope-from|f=\[?|mailto:|=)[\s:]*[<"'([]*$/i;
// An address at the start of a line, optionally after a bullet, a label or a reply code.
const LINE_START = /^[\s>*•·|"'<([-]*(?:>>>\s*)?(?:<<<\s*)?(?:[245]\d\d[\s-]+(?:[245]\.\d{1,3}\.\d{1,3}\s+)?)?(?:(?:(?:final-|original-)?recipient(?: address)?|rcpt to|address|e-?mail|user|mailbox|account|destinataire|empfänger)\s*[:=]?)?[\s"'<([]*$/i;
// An address right after "to", "recipient(s)" or a colon ("Unknown user: a@b").
const AFTER_LABEL = /(?:\bto|recipients?|:)\s*[<"'([]*$/i;

// Boilerplate that says nothing about why a recipient failed.
const BOILERPLATE = /created automatically|could not be delivered to one or more|this is a permanent error|following (?:address|recipient)|addresses had|i'm afraid i wasn't able|sorry it didn't work out|hi\. this is the|technical details of|transcript of session|do not reply|an error has occurred while attempting|this is the mailer-daemon|further assistance|include this problem report|delete your own text|^\s*the mail system\s*$|you do not need to resend|this is an automatically generated|original message was received at|^\s*(?:[-=*_#|]\s*)+$|^\s*hi!?\s*$|message from .* (?:mta|program)|sorry, we were unable to deliver|unable to deliver message to the following/i;

// A report's prose is a few KiB; anything past these bounds is a quoted message or an
// attack on the scanner, and reading it could only add false recipients.
const MAX_REPORT_LINES = 400;
const MAX_LINE = 1000;

function reportLines(report: string): string[] {
  return report
    .split('\n', MAX_REPORT_LINES)
    .map((l) => (l.length > MAX_LINE ? l.slice(0, MAX_LINE) : l));
}

interface Anchor {
  address: string;
  line: number;
}

function isListSeparator(between: string): boolean {
  return /^[>"'\s]*[,;]\s*(?:and\s+)?[<"']*$/.test(between);
}

/**
 * Every recipient anchor in the report, in order (an address may repeat). Per line, the
 * first address that is not the sender's must sit at the line start or after a label;
 * later ones count only as members of a comma-separated list. Any other address on the
 * line belongs to the diagnostic ("<a@b>: malformed address: <c@d> may not follow a@b").
 */
function findAnchors(lines: readonly string[], exclude: ReadonlySet<string>): Anchor[] {
  const anchors: Anchor[] = [];
  lines.forEach((line, lineNo) => {
    if (HEADER_LINE.test(line)) return;
    let anchored = false;
    let prevEnd = 0;
    for (const { address, index, length } of findAddresses(line)) {
      // The label tests read the end of the prefix only; a label is never long.
      const prefix = line.slice(Math.max(0, index - 80), index);
      const atLineStart = index <= 80 && LINE_START.test(prefix);
      const listed = anchored && isListSeparator(line.slice(prevEnd, index));
      prevEnd = index + length;
      if (exclude.has(address) || SENDER_BEFORE.test(prefix)) continue;
      if (anchored && !listed) break;
      if (!listed && !atLineStart && !AFTER_LABEL.test(prefix)) break;
      anchors.push({ address, line: lineNo });
      anchored = true;
    }
  });
  return anchors;
}

// A boilerplate phrase on a line that also names an address or a reply code is the
// line that matters ("...returned permanent errors: a@b. Reason: 550 ...").
function isBoilerplate(line: string): boolean {
  return BOILERPLATE.test(line) && !/@|\b[245]\d\d\b/.test(line);
}

function cleanText(lines: readonly string[]): string | null {
  const kept = lines.filter((l) => l.trim() !== '' && !isBoilerplate(l));
  const text = kept.map((l) => l.trim()).join(' ').replace(/\s+/g, ' ').trim().slice(0, 1000);
  // Worth keeping only if it says more than an address.
  return /[A-Za-z\u0080-\uffff]{3}/.test(text.replace(/[^\s@]*@\S*/g, '')) ? text : null;
}

/** True when `text` says something about a failure: a known phrase or an SMTP code. */
function hasSignal(text: string): boolean {
  return reasonFromText(text) !== null || extractStatus(text) !== null || extractReplyCode(text) !== null;
}

/**
 * The diagnostic of the recipient whose lines are `block` (anchor line first): the
 * anchor line and its indented continuation lines ("554 <a@b>... Host unknown"); when
 * they only name the address, the whole block (qmail, Gmail, Exim); when that says
 * nothing either, the prose before the first recipient (MailMarshal, IMail).
 */
function blockDiagnostic(block: readonly string[], preamble: string | null): string | null {
  let end = 1;
  while (end < block.length && /^[ \t]+\S/.test(block[end]!)) end++;
  const candidates = [cleanText(block.slice(0, end)), cleanText(block), preamble];
  return candidates.find((c) => c !== null && hasSignal(c)) ?? candidates.find((c) => c !== null) ?? null;
}

/**
 * Finds the failed recipients of a text bounce and the diagnostic of each.
 * `exclude` holds addresses known not to be recipients (the sender, the report's own
 * addresses); `hinted` is an authoritative recipient list (Exim's X-Failed-Recipients),
 * used instead of the anchors when present.
 */
export function findTextRecipients(report: string, exclude: ReadonlySet<string>, hinted: readonly string[] = []): TextRecipient[] {
  const lines = reportLines(report);
  const anchors = findAnchors(lines, exclude);
  const firstLine = new Map<string, number>();
  for (const a of anchors) if (!firstLine.has(a.address)) firstLine.set(a.address, a.line);
  const order = hinted.length > 0 ? [...hinted] : [...firstLine.keys()];
  const starts = order.map((r) => firstLine.get(r) ?? -1);
  const firstAnchor = Math.min(...starts.filter((s) => s >= 0), lines.length);
  const preamble = cleanText(lines.slice(0, firstAnchor));
  return order.map((recipient, i) => {
    const start = starts[i]!;
    if (start < 0) return { recipient, diagnostic: preamble, context: lines.join('\n') };
    const next = Math.min(...starts.filter((s) => s > start), lines.length);
    const block = lines.slice(start, next);
    return { recipient, diagnostic: blockDiagnostic(block, preamble), context: `${lines.slice(0, firstAnchor).join('\n')}\n${block.join('\n')}` };
  });
}

/** The report's own words, boilerplate removed: the diagnostic when no line is specific. */
export function reportDiagnostic(report: string): string | null {
  return cleanText(reportLines(report));
}

/** Addresses on "To:" / "Cc:" lines of `text`: the last resort for a recipient. */
export function addressedTo(text: string, exclude: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!/^\s*(?:to|cc)\s*:/i.test(line)) continue;
    for (const { address } of findAddresses(line)) if (!exclude.has(address) && !out.includes(address)) out.push(address);
  }
  return out;
}
