/**
 * The parts of a message a report parser reads, taken from postal-mime's parse: the top
 * headers, the human-readable text, the machine-readable report parts and the headers of
 * the returned message. Web standards only, so it runs on Node and Workers alike.
 */
import PostalMime from 'postal-mime';
import type { Field } from './fields.ts';
import { parseHeaderBlock } from './fields.ts';

/** A report message, reduced to what the parsers need. */
export interface ReportMail {
  /** Top-level header fields, names lower-cased, values unfolded and undecoded. */
  headers: Field[];
  /** Decoded Subject of the report itself. */
  subject: string;
  /** Address of the report's From, lower-cased, or null. */
  from: string | null;
  /** Human-readable body text (text/plain, else text/html without tags), LF line ends. */
  text: string;
  /** The raw body after the top header block, for reports whose MIME structure is broken. */
  rawBody: string;
  /** Decoded message/delivery-status and message/global-delivery-status parts. */
  deliveryStatus: string[];
  /** Decoded message/feedback-report parts. */
  feedbackReports: string[];
  /** Header fields of the returned message (message/rfc822 or text/rfc822-headers part). */
  originalHeaders: Field[] | null;
  /** Text of other text/* attachments (some MTAs attach the returned headers as text/plain). */
  otherText: string[];
}

// Limits below postal-mime's defaults: a report is a few KiB of prose and one quoted
// message, so anything deeper or wider is not a report worth reading in full.
const PARSE_OPTIONS = {
  forceRfc822Attachments: true,
  attachmentEncoding: 'arraybuffer',
  maxNestingDepth: 32,
  maxPartCount: 500,
} as const;

const utf8 = new TextDecoder('utf-8');

function decode(content: ArrayBuffer | Uint8Array | string): string {
  return typeof content === 'string' ? content : utf8.decode(content);
}

// An HTML-only bounce is a few KiB; more is a quoted message or an attack.
const MAX_HTML = 256 * 1024;

/** Drops <style> and <script> elements (CSS words like "block" are not diagnostics). */
function dropElements(html: string, tag: string): string {
  const lower = html.toLowerCase();
  let out = '';
  let from = 0;
  for (let open = lower.indexOf(`<${tag}`, from); open >= 0; open = lower.indexOf(`<${tag}`, from)) {
    out += html.slice(from, open);
    const close = lower.indexOf(`</${tag}`, open);
    const end = close < 0 ? -1 : lower.indexOf('>', close);
    if (end < 0) return out;
    from = end + 1;
  }
  return out + html.slice(from);
}

/** Strips tags and the commonest entities: enough to read an HTML-only bounce. */
function htmlToText(html: string): string {
  return dropElements(dropElements(html.slice(0, MAX_HTML), 'script'), 'style')
    .replace(/<br\s*\/?>|<\/(?:p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function rawBodyOf(raw: Uint8Array | string): string {
  const text = typeof raw === 'string' ? raw : utf8.decode(raw);
  const m = /\r?\n\r?\n/.exec(text);
  return m ? text.slice(m.index + m[0].length).replace(/\r\n/g, '\n') : '';
}

/**
 * Parses `raw` into a ReportMail. Throws what postal-mime throws (limits exceeded,
 * unreadable input); the caller decides that such a message is no report.
 */
export async function readReportMail(raw: Uint8Array | string): Promise<ReportMail> {
  const email = await PostalMime.parse(raw, PARSE_OPTIONS);
  const deliveryStatus: string[] = [];
  const feedbackReports: string[] = [];
  const otherText: string[] = [];
  let originalHeaders: Field[] | null = null;
  for (const att of email.attachments) {
    const type = att.mimeType.toLowerCase();
    if (type === 'message/delivery-status' || type === 'message/global-delivery-status') {
      deliveryStatus.push(decode(att.content));
    } else if (type === 'message/feedback-report') {
      feedbackReports.push(decode(att.content));
    } else if (/^(?:message\/(?:rfc822|global|partial|rfc822-headers)|text\/rfc822-headers?)$/.test(type)) {
      // The first returned message is the bounced one; later ones are rare extras.
      originalHeaders ??= parseHeaderBlock(decode(att.content));
    } else if (type.startsWith('text/')) {
      otherText.push(decode(att.content));
    }
  }
  const text = (email.text ?? (email.html ? htmlToText(email.html) : '')).replace(/\r\n/g, '\n');
  const from = email.from && 'address' in email.from && email.from.address ? email.from.address.toLowerCase() : null;
  return {
    headers: email.headers.map((h) => ({ name: h.key, value: h.value })),
    subject: email.subject ?? '',
    from,
    text,
    rawBody: rawBodyOf(raw),
    deliveryStatus,
    feedbackReports,
    originalHeaders,
    otherText,
  };
}

/** The first top-level header `name` (lower-case) of the report, or null. */
export function header(mail: Pick<ReportMail, 'headers'>, name: string): string | null {
  return mail.headers.find((h) => h.name === name)?.value ?? null;
}
