/**
 * Checks on the bytes of a DATA section that protect the MX, not the agent: the size of the
 * header section (the parser builds an object per field) and the SMTP smuggling pattern.
 */
import type { SmtpRefusal } from './smtp-replies.ts';

/** Header section limits: 64 KiB, 1000 fields, 998 octets a line (RFC 5322 §2.1.1). */
export const HEADER_LIMITS = { maxBytes: 64 * 1024, maxFields: 1000, maxLineOctets: 998 } as const;

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

/**
 * Watches the header section as DATA streams in, so an absurd one is known (and no longer
 * kept in memory) long before the message ends. A folded field is many short lines and
 * passes; only a physical line over 998 octets is refused. Bytes after the blank line that
 * ends the header section are not looked at.
 */
export class HeaderScreen {
  /** The refusal once a limit is passed; null while the header section is within them. */
  refusal: Extract<SmtpRefusal, 'headers_too_large' | 'header_line_too_long'> | null = null;
  private done = false;
  private bytes = 0;
  private fields = 0;
  private lineOctets = 0;

  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length && !this.done && !this.refusal; i++) {
      const b = chunk[i]!;
      this.bytes++;
      if (b === LF) {
        // The CR of a CRLF is not part of the line's 998 octets.
        const octets = this.lineOctets;
        this.lineOctets = 0;
        if (octets === 0) this.done = true;
        continue;
      }
      if (b === CR) continue;
      // A line that starts with a space or tab continues the field above (folding, RFC 5322 §2.2.3).
      if (this.lineOctets === 0 && b !== 0x20 && b !== 0x09 && ++this.fields > HEADER_LIMITS.maxFields) this.refusal = 'headers_too_large';
      else if (++this.lineOctets > HEADER_LIMITS.maxLineOctets) this.refusal = 'header_line_too_long';
      if (this.bytes > HEADER_LIMITS.maxBytes) this.refusal ??= 'headers_too_large';
    }
  }
}

/**
 * True if the message holds a line of a lone dot where either line break is a bare LF or a
 * bare CR (`\n.\n`, `\r.\r`, `\n.\r\n`, `\r\n.\n`…). smtp-server ends DATA only at
 * CRLF.CRLF, so such a message reached us whole; but another mailer that ends DATA at the
 * bare form would see the rest as new SMTP commands, a second, smuggled message
 * (CVE-2023-51766, SEC Consult's "SMTP smuggling"). A lone dot between two CRLFs is an
 * ordinary dot-stuffed line and passes; so do bare line breaks elsewhere.
 */
export function hasSmugglingDot(raw: Uint8Array): boolean {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let i = buf.indexOf(DOT); i >= 0; i = buf.indexOf(DOT, i + 1)) {
    const before = breakBefore(buf, i);
    if (before === null) continue;
    const after = breakAfter(buf, i);
    if (after === null) continue;
    if (before === 'bare' || after === 'bare') return true;
  }
  return false;
}

/** The line break ending right before `i`: the CRLF of the DATA command counts at 0. */
function breakBefore(buf: Buffer, i: number): 'crlf' | 'bare' | null {
  if (i === 0) return 'crlf';
  const p = buf[i - 1];
  if (p === LF) return i >= 2 && buf[i - 2] === CR ? 'crlf' : 'bare';
  // A CR right before the dot cannot be the start of a CRLF.
  return p === CR ? 'bare' : null;
}

function breakAfter(buf: Buffer, i: number): 'crlf' | 'bare' | null {
  const n = buf[i + 1];
  if (n === LF) return 'bare';
  if (n === CR) return buf[i + 2] === LF ? 'crlf' : 'bare';
  return null;
}
