/**
 * Builds RFC 5322 / MIME (RFC 2045-2049) message bytes for outbound mail.
 * Web standards only; deterministic apart from boundaries and message ids.
 */
import { hasHeaderInjection, isValidAddress, parseMailbox } from './address.ts';

/** A file attached to an outbound message. */
export interface ComposeAttachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
  /** With or without angle brackets; makes the part `inline`, for `cid:` references. */
  contentId?: string;
}

/** Everything an outbound message is built from; Bcc is never written as a header. */
export interface ComposeInput {
  from: { name?: string | null; address: string };
  /** Each a bare address or `Name <address>`. */
  to: string[];
  cc?: string[];
  replyTo?: string | null;
  subject: string;
  text?: string | null;
  html?: string | null;
  /** With angle brackets, e.g. `<abc@agents.localhost>`. */
  messageId: string;
  date: Date;
  inReplyTo?: string | null;
  references?: string[];
  /** Extra headers (`X-...`), validated by the caller; may not replace the ones built here. */
  headers?: Record<string, string>;
  attachments?: ComposeAttachment[];
}

type Part = { headers: string[]; body: string };

const CRLF = '\r\n';
const FOLD_AT = 78; // RFC 5322 §2.1.1: SHOULD be at most 78, MUST be at most 998
const LONG_WORD = 900; // an unbreakable word this long could push a line past 998
const RESERVED = new Set(['bcc', 'cc', 'content-transfer-encoding', 'content-type', 'date', 'from', 'in-reply-to', 'message-id', 'mime-version', 'references', 'reply-to', 'return-path', 'sender', 'subject', 'to']);
const encoder = new TextEncoder();
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Builds the message; throws on a malformed address, id or header (the caller validates first). */
export function composeMessage(input: ComposeInput): Uint8Array {
  const headers = [
    header('Date', formatDate(input.date)),
    header('From', formatMailbox(input.from.name ?? null, input.from.address)),
  ];
  if (input.to.length > 0) headers.push(header('To', formatList(input.to)));
  if (input.cc?.length) headers.push(header('Cc', formatList(input.cc)));
  if (input.replyTo) headers.push(header('Reply-To', formatList([input.replyTo])));
  headers.push(header('Subject', encodeUnstructured(input.subject)));
  headers.push(header('Message-ID', msgId(input.messageId)));
  if (input.inReplyTo) headers.push(header('In-Reply-To', msgId(input.inReplyTo)));
  if (input.references?.length) headers.push(header('References', input.references.map(msgId).join(' ')));
  headers.push('MIME-Version: 1.0');
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    // RFC 5322 §3.6.8 field-name: printable ASCII except the colon; short, so
    // that the name and one unfoldable word stay within 998 octets.
    if (!/^[!-9;-~]{1,76}$/.test(name) || RESERVED.has(name.toLowerCase())) throw new Error(`compose: header name not allowed: ${name}`);
    headers.push(header(name, encodeUnstructured(value)));
  }
  const root = buildBody(input);
  const body = root.body.endsWith(CRLF) || root.body === '' ? root.body : root.body + CRLF;
  return encoder.encode([...headers, ...root.headers].join(CRLF) + CRLF + CRLF + body);
}

/** A new Message-ID, `<random@domain>`, with 20 random bytes in hex (RFC 5322 §3.6.4). */
export function newMessageId(domain: string): string {
  if (hasHeaderInjection(domain) || /[\s<>@]/.test(domain)) throw new Error('compose: invalid message id domain');
  return `<${randomHex(20)}@${domain}>`;
}

function randomHex(n: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** RFC 5322 §3.3 date-time in UTC, e.g. `Fri, 04 Dec 2026 19:56:37 +0000`. */
export function formatDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new Error('compose: invalid date');
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]}, ${p(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

/**
 * Quoted-printable (RFC 2045 §6.7) of the UTF-8 bytes of `str`, with CRLF
 * hard line breaks and soft breaks keeping every line at most 76 characters.
 * `softEnd` closes a last non-empty line with a soft break, so that a body the
 * transport must end with CRLF does not decode with an extra newline.
 */
export function encodeQuotedPrintable(str: string, softEnd = false): string {
  const lines = str.split(/\r\n|\r|\n/);
  return lines.map((l, i) => encodeQpLine(l, softEnd && l !== '' && i === lines.length - 1)).join(CRLF);
}

function encodeQpLine(line: string, softEnd: boolean): string {
  const bytes = encoder.encode(line);
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const last = i === bytes.length - 1;
    // Rule 3: whitespace at the end of a line would be stripped in transit.
    const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
    let token = literal ? String.fromCharCode(b) : hex(b);
    if (cur.length + token.length > (last && !softEnd ? 76 : 75)) {
      out.push(cur + '=');
      cur = '';
    }
    // A line starting with "." is dot-stuffed by SMTP (RFC 5321 §4.5.2) and one
    // starting with "From " is mangled by mbox; encoding the first byte is harmless.
    if (cur === '' && (b === 46 || isFromSpace(bytes, i))) token = hex(b);
    cur += token;
  }
  out.push(softEnd ? cur + '=' : cur);
  return out.join(CRLF);
}

function isFromSpace(bytes: Uint8Array, i: number): boolean {
  return bytes[i] === 70 && bytes[i + 1] === 114 && bytes[i + 2] === 111 && bytes[i + 3] === 109 && bytes[i + 4] === 32;
}

function hex(b: number): string {
  return '=' + b.toString(16).toUpperCase().padStart(2, '0');
}

function buildBody(input: ComposeInput): Part {
  const attachments = (input.attachments ?? []).map(attachmentPart);
  const text = input.text ?? (input.html == null ? '' : null); // neither: an empty text/plain
  const html = input.html ?? null;
  // Only a lone text part ends the message; in a multipart the CRLF before
  // the delimiter belongs to the delimiter (RFC 2046 §5.1.1).
  const softEnd = attachments.length === 0 && (text === null || html === null);
  const alternatives = [textPart('plain', text, softEnd), textPart('html', html, softEnd)].filter((p): p is Part => p !== null);
  const content = alternatives.length === 1 ? alternatives[0]! : multipart('alternative', alternatives);
  return attachments.length === 0 ? content : multipart('mixed', [content, ...attachments]);
}

function textPart(subtype: 'plain' | 'html', content: string | null, softEnd: boolean): Part | null {
  if (content === null) return null;
  return {
    headers: [`Content-Type: text/${subtype}; charset=utf-8`, 'Content-Transfer-Encoding: quoted-printable'],
    body: encodeQuotedPrintable(content, softEnd),
  };
}

function attachmentPart(a: ComposeAttachment): Part {
  if (!/^[\w!#$&^.+-]{1,64}\/[\w!#$&^.+-]{1,64}(;[\x20-\x7e]{0,200})?$/.test(a.contentType)) {
    throw new Error(`compose: invalid content type: ${a.contentType}`);
  }
  const headers = [
    fold(`Content-Type: ${a.contentType}; ${param('name', a.filename)}`),
    fold(`Content-Disposition: ${a.contentId ? 'inline' : 'attachment'}; ${param('filename', a.filename)}`),
    'Content-Transfer-Encoding: base64',
  ];
  if (a.contentId) {
    // RFC 2392 wants msg-id syntax, but bare tokens (`cid:logo`) are common; refuse only what breaks the header.
    const cid = a.contentId.replace(/^<(.*)>$/, '$1');
    if (!/^[^<>\s]{1,250}$/.test(cid)) throw new Error(`compose: invalid content id: ${a.contentId}`);
    headers.push(`Content-ID: <${cid}>`);
  }
  return { headers, body: encodeBase64Lines(a.content) };
}

/** A MIME parameter: quoted when plain ASCII, else RFC 2231 §3-4 `name*0*=UTF-8''...` continuations. */
function param(name: string, value: string): string {
  if (/^[\x20-\x7e]{0,60}$/.test(value)) return `${name}="${value.replace(/["\\]/g, '\\$&')}"`;
  // Percent-encode per character and split between characters, so no section
  // holds half a UTF-8 sequence (decoders that decode sections alone stay right).
  const chunks = [''];
  for (const ch of value) {
    const enc = /^[A-Za-z0-9!#$&+.^_`|~-]$/.test(ch) ? ch : Array.from(encoder.encode(ch), (b) => '%' + hex(b).slice(1)).join('');
    if (chunks[chunks.length - 1]!.length + enc.length > 60) chunks.push('');
    chunks[chunks.length - 1] += enc;
  }
  if (chunks.length === 1) return `${name}*=UTF-8''${chunks[0]}`;
  return chunks.map((c, i) => `${name}*${i}*=${i === 0 ? "UTF-8''" : ''}${c}`).join('; ');
}

function multipart(subtype: 'alternative' | 'mixed', parts: Part[]): Part {
  // "=_" can never occur in quoted-printable or base64 output (RFC 2045 §6.7,
  // §6.8), so the boundary cannot collide with any encoded content (RFC 2046 §5.1.1).
  const boundary = `=_bw_${randomHex(16)}`;
  const body = parts.map((p) => `--${boundary}${CRLF}${p.headers.join(CRLF)}${CRLF}${CRLF}${p.body}${CRLF}`).join('') + `--${boundary}--`;
  return { headers: [`Content-Type: multipart/${subtype}; boundary="${boundary}"`], body };
}

/** Base64 (RFC 2045 §6.8) in lines of 76 characters. */
function encodeBase64Lines(bytes: Uint8Array): string {
  const lines: string[] = [];
  const chunk = 57 * 1024; // a multiple of 3 bytes, so each chunk encodes to whole 76-char lines
  for (let i = 0; i < bytes.length; i += chunk) {
    const slice = bytes.subarray(i, i + chunk);
    let bin = '';
    for (let j = 0; j < slice.length; j += 8192) bin += String.fromCharCode(...slice.subarray(j, j + 8192));
    const b64 = btoa(bin);
    for (let j = 0; j < b64.length; j += 76) lines.push(b64.slice(j, j + 76));
  }
  return lines.join(CRLF);
}

function formatList(mailboxes: string[]): string {
  return mailboxes.map((m) => {
    const parsed = parseMailbox(m);
    if (!parsed) throw new Error(`compose: invalid mailbox: ${m}`);
    return formatMailbox(parsed.name, parsed.address);
  }).join(', ');
}

/** `address` or `Name <address>`; the name is an encoded-word or quoted as needed (RFC 5322 §3.4). */
function formatMailbox(name: string | null, address: string): string {
  if (!isValidAddress(address)) throw new Error(`compose: invalid address: ${address}`);
  if (!name) return address;
  if (hasHeaderInjection(name)) throw new Error('compose: invalid display name');
  if (needsEncodedWords(name)) return `${encodeWords(name)} <${address}>`;
  return /[()<>[\]:;@\\,."]/.test(name) ? `"${name.replace(/["\\]/g, '\\$&')}" <${address}>` : `${name} <${address}>`;
}

function msgId(id: string): string {
  // RFC 5322 §3.6.4 msg-id: no whitespace inside, and it cannot be folded, so bounded.
  if (id.length > 900 || !/^<[^<>\s@]+@[^<>\s@]+>$/.test(id)) throw new Error(`compose: invalid message id: ${id}`);
  return id;
}

function encodeUnstructured(value: string): string {
  // Checked before encoding: an encoded-word would hide the CRLF, not the intent.
  if (hasHeaderInjection(value)) throw new Error('compose: header value contains CR, LF or NUL');
  return needsEncodedWords(value) ? encodeWords(value) : value;
}

/** Non-printable-ASCII, text that a decoder would mistake for an encoded-word, or a word too long to fold. */
function needsEncodedWords(s: string): boolean {
  return /[^\x20-\x7e\t]|=\?/.test(s) || s.split(/[ \t]/).some((w) => w.length > LONG_WORD);
}

/**
 * RFC 2047 B encoded-words of at most 75 characters, each holding whole UTF-8
 * characters (§5); the spaces between them vanish on decoding (§6.2).
 */
function encodeWords(s: string): string {
  const words: string[] = [];
  let buf: number[] = [];
  const flush = () => {
    words.push(`=?UTF-8?B?${btoa(String.fromCharCode(...buf))}?=`);
    buf = [];
  };
  for (const ch of s) {
    const bytes = encoder.encode(ch);
    if (buf.length + bytes.length > 45) flush(); // 45 bytes = 60 base64 chars + 12 of syntax
    buf.push(...bytes);
  }
  if (buf.length > 0) flush();
  return words.join(' ');
}

function header(name: string, value: string): string {
  if (hasHeaderInjection(value)) throw new Error(`compose: ${name} contains CR, LF or NUL`);
  return fold(`${name}: ${value}`);
}

/** Folds by inserting CRLF before existing whitespace (RFC 5322 §2.2.3), aiming for 78 characters. */
function fold(line: string): string {
  const out: string[] = [];
  let rest = line;
  while (rest.length > FOLD_AT) {
    // Keep the first word of the value beside the field name, and never leave a
    // line of only whitespace (§3.2.2): break after the first non-space.
    const start = out.length === 0 ? line.indexOf(' ') + 1 : rest.search(/[^ \t]/) + 1;
    let at = -1;
    for (let i = Math.min(FOLD_AT, rest.length - 1); i >= start && at < 0; i--) if (rest[i] === ' ' || rest[i] === '\t') at = i;
    if (at < 0) {
      const next = rest.slice(start).search(/[ \t]/); // no space early enough: take the first one later
      if (next < 0) break;
      at = start + next;
    }
    if (at <= 0) break;
    out.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  out.push(rest);
  return out.join(CRLF);
}
