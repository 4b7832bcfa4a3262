/**
 * The bytes of an SMTP client (RFC 5321): replies read from a stream, commands and the DATA
 * body written to one. Web streams only, so the same code runs over `cloudflare:sockets` and,
 * in tests, over a Node socket.
 */

/** One reply: its code and every line's text, joined (RFC 5321 §4.2: `250-…` lines continue, `250 …` ends). */
export interface SmtpReply {
  code: number;
  lines: string[];
}

export const replyText = (r: SmtpReply): string => `${r.code} ${r.lines.join(' ')}`.trim().slice(0, 1000);

const CR = 13;
const LF = 10;
const DOT = 46;
/** A reply line longer than this is not SMTP (RFC 5321 §4.5.3.1.5 allows 512 octets): give up. */
const MAX_LINE = 4096;
const MAX_LINES = 100;

/** Reads replies from a byte stream; one reader per connection phase (STARTTLS swaps the stream). */
export class ReplyReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private buffer = new Uint8Array(0);
  private lastCode = 0;
  private readonly decoder = new TextDecoder('latin1');

  constructor(stream: ReadableStream<Uint8Array>) {
    this.reader = stream.getReader();
  }

  /** The next complete reply; rejects when the peer closes first or sends something that is not a reply. */
  async read(): Promise<SmtpReply> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.line();
      const m = /^([2-5]\d\d)([ -]?)(.*)$/.exec(line);
      if (!m) throw new SmtpProtocolError(`not an SMTP reply: ${JSON.stringify(line.slice(0, 80))}`);
      const code = Number(m[1]);
      if (lines.length > 0 && code !== this.lastCode) throw new SmtpProtocolError('reply code changed inside a multiline reply');
      this.lastCode = code;
      lines.push(m[3]!);
      if (m[2] !== '-') return { code, lines };
      if (lines.length >= MAX_LINES) throw new SmtpProtocolError('reply has too many lines');
    }
  }

  private async line(): Promise<string> {
    for (;;) {
      const lf = this.buffer.indexOf(LF);
      if (lf >= 0) {
        const end = lf > 0 && this.buffer[lf - 1] === CR ? lf - 1 : lf;
        const text = this.decoder.decode(this.buffer.subarray(0, end));
        this.buffer = this.buffer.subarray(lf + 1);
        return text;
      }
      if (this.buffer.length > MAX_LINE) throw new SmtpProtocolError('reply line too long');
      const { value, done } = await this.reader.read();
      if (done) throw new SmtpProtocolError('connection closed by the server');
      const joined = new Uint8Array(this.buffer.length + value.length);
      joined.set(this.buffer);
      joined.set(value, this.buffer.length);
      this.buffer = joined;
    }
  }

  /** Bytes the server sent after the last reply (a STARTTLS injection attempt when non-empty). */
  get pending(): number {
    return this.buffer.length;
  }

  release(): void {
    this.reader.releaseLock();
  }
}

export class SmtpProtocolError extends Error {}

/** The ESMTP extensions of an EHLO reply, by keyword (upper case), with their parameters. */
export function extensions(reply: SmtpReply): Map<string, string> {
  const out = new Map<string, string>();
  // The first line is the greeting (domain and text), the rest are keywords (RFC 5321 §4.1.1.1).
  for (const line of reply.lines.slice(1)) {
    const [keyword, ...params] = line.trim().split(/\s+/);
    if (keyword) out.set(keyword.toUpperCase(), params.join(' '));
  }
  return out;
}

/**
 * The DATA body (RFC 5321 §4.5.2): every line ending as CRLF (bare LF and bare CR become CRLF),
 * a leading dot doubled, and the terminating `.` line. Bytes are kept as they are (8BITMIME).
 */
export function encodeData(raw: Uint8Array): Uint8Array {
  // Worst case: every byte a bare LF (grows to CRLF) or a leading dot (doubled), plus the trailer.
  const out = new Uint8Array(raw.length * 2 + 5);
  let n = 0;
  let lineStart = true;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === CR) {
      out[n++] = CR;
      out[n++] = LF;
      if (raw[i + 1] === LF) i++;
      lineStart = true;
      continue;
    }
    if (b === LF) {
      out[n++] = CR;
      out[n++] = LF;
      lineStart = true;
      continue;
    }
    if (lineStart && b === DOT) out[n++] = DOT;
    out[n++] = b;
    lineStart = false;
  }
  if (!lineStart) {
    out[n++] = CR;
    out[n++] = LF;
  }
  out[n++] = DOT;
  out[n++] = CR;
  out[n++] = LF;
  return out.subarray(0, n);
}

/**
 * An address for MAIL FROM or RCPT TO. CR, LF and angle brackets would let a stored address
 * inject commands; they never reach the wire.
 */
export function pathArg(address: string): string {
  if (/[\r\n<>\s]/.test(address)) throw new SmtpProtocolError(`address not allowed on the wire: ${JSON.stringify(address.slice(0, 80))}`);
  return `<${address}>`;
}
