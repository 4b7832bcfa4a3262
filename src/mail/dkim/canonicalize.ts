/**
 * DKIM "relaxed" canonicalization (RFC 6376 §3.4.2 headers, §3.4.4 body) and the
 * message splitting it needs. Works on bytes and binary strings so 8-bit
 * content is hashed exactly as it is sent.
 */
import { bytesToBinary } from '../../core/bytes.ts';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

/**
 * Rewrites bare LF and bare CR as CRLF: SMTP and the DKIM canonical forms are
 * defined over CRLF lines (RFC 5321 §2.3.8, RFC 6376 §3.4.4). Returns the input
 * itself when it is already CRLF-only.
 */
export function normalizeCrlf(raw: Uint8Array): Uint8Array {
  let bare = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if (b === CR) {
      if (raw[i + 1] === LF) i++;
      else bare++;
    } else if (b === LF) bare++;
  }
  if (bare === 0) return raw;
  const out = new Uint8Array(raw.length + bare);
  let o = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === CR || b === LF) {
      out[o++] = CR;
      out[o++] = LF;
      if (b === CR && raw[i + 1] === LF) i++;
    } else out[o++] = b;
  }
  return out;
}

/** One header field as it appears in the message, continuation lines included. */
export interface HeaderField {
  /** Field name, lowercased (names compare case-insensitively, RFC 5322 §1.2.2). */
  name: string;
  /** The whole field as a binary string, without its final CRLF. */
  raw: string;
}

/** A CRLF-normalized message cut at the first empty line (RFC 5322 §2.1). */
export interface SplitMessage {
  headers: HeaderField[];
  body: Uint8Array;
  /** False when the message has no empty line: header fields only, no body. */
  hasSeparator: boolean;
}

/** Splits a CRLF message into its header fields and body; no empty line means no body. */
export function splitMessage(message: Uint8Array): SplitMessage {
  let end = -1;
  if (message[0] === CR && message[1] === LF) end = 0;
  else {
    for (let i = 0; i + 3 < message.length; i++) {
      if (message[i] === CR && message[i + 1] === LF && message[i + 2] === CR && message[i + 3] === LF) {
        end = i + 2;
        break;
      }
    }
  }
  const headerBytes = end < 0 ? message : message.subarray(0, end);
  const body = end < 0 ? new Uint8Array(0) : message.subarray(end + 2);
  return { headers: parseHeaderFields(bytesToBinary(headerBytes)), body, hasSeparator: end >= 0 };
}

function parseHeaderFields(block: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of block.split('\r\n')) {
    if (line === '') continue;
    const last = fields[fields.length - 1];
    // RFC 5322 §2.2.3: a line starting with WSP continues the previous field.
    if ((line[0] === ' ' || line[0] === '\t') && last) {
      last.raw += '\r\n' + line;
      continue;
    }
    const colon = line.indexOf(':');
    // A line without a colon is not a field; it can never be selected by h=.
    const name = colon < 0 ? '' : asciiLower(line.slice(0, colon).replace(/[ \t]+$/, ''));
    fields.push({ name, raw: line });
  }
  return fields;
}

/**
 * Relaxed header canonicalization (RFC 6376 §3.4.2): lowercase the name, unfold,
 * reduce WSP runs to one SP, drop WSP at the ends of the value and around the
 * colon. Returns `name:value` without CRLF. WSP is SP and HTAB only (RFC 5234).
 */
export function relaxedHeader(raw: string): string {
  const colon = raw.indexOf(':');
  const name = asciiLower(raw.slice(0, colon).replace(/[ \t]+$/, ''));
  const value = raw
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
  return `${name}:${value}`;
}

/**
 * Relaxed body canonicalization (RFC 6376 §3.4.4): drop WSP at line ends, reduce
 * WSP runs to one SP, drop empty lines at the end, and end a non-empty body
 * with CRLF. An empty body stays empty (RFC 6376 errata 1384). Input must be CRLF.
 */
export function relaxedBody(body: Uint8Array): Uint8Array<ArrayBuffer> {
  const n = body.length;
  const out = new Uint8Array(n + 2);
  let o = 0;
  let keep = 0; // output length up to the last non-empty line
  let i = 0;
  while (i < n) {
    const lineStart = o;
    let wsp = false;
    while (i < n && !(body[i] === CR && body[i + 1] === LF)) {
      const b = body[i++]!;
      if (b === SP || b === HTAB) {
        wsp = true;
        continue;
      }
      if (wsp) out[o++] = SP;
      wsp = false;
      out[o++] = b;
    }
    const empty = o === lineStart;
    out[o++] = CR;
    out[o++] = LF;
    i += 2;
    if (!empty) keep = o;
  }
  return out.subarray(0, keep);
}

/**
 * The fields an h= list (lowercase names) selects, in its order (RFC 6376 §5.4.2):
 * a repeated name takes the next instance up from the bottom; a name with no
 * instance left selects nothing, which is how oversigning works.
 */
export function selectFields(headers: HeaderField[], names: string[]): HeaderField[] {
  const used = new Map<string, number>();
  const selected: HeaderField[] = [];
  for (const name of names) {
    let skip = used.get(name) ?? 0;
    used.set(name, skip + 1);
    for (let i = headers.length - 1; i >= 0; i--) {
      const h = headers[i]!;
      if (h.name === name && skip-- === 0) {
        selected.push(h);
        break;
      }
    }
  }
  return selected;
}

function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}
