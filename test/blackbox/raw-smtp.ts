import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** One SMTP reply: its code and every line's text (after `250-` / `250 `). */
export interface SmtpReply {
  code: number;
  lines: string[];
  /** The lines joined with newlines, for matching. */
  text: string;
}

/**
 * A plain-socket SMTP conversation for checking exact reply codes: `command()` writes one
 * line and resolves with the next complete (possibly multi-line) reply.
 */
export class RawSmtp {
  private buffer = '';
  private pending: SmtpReply[] = [];
  private lines: string[] = [];
  private waiters: Array<(r: SmtpReply) => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.feed(chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => { this.closed = true; });
  }

  /** Connects and waits for the greeting (smtp-server holds it ~100 ms: its early-talker check). */
  static async open(port: number, host = '127.0.0.1', localAddress?: string): Promise<{ smtp: RawSmtp; greeting: SmtpReply }> {
    // localAddress: another loopback source (127.0.0.2…) looks like another client to the server.
    const socket = connect({ port, host, localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const smtp = new RawSmtp(socket);
    const greeting = await smtp.reply();
    return { smtp, greeting };
  }

  private feed(data: string): void {
    this.buffer += data;
    let i: number;
    while ((i = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 2);
      this.lines.push(line.slice(4));
      // `250-…` continues the reply; `250 …` (or a bare code) ends it (RFC 5321 §4.2.1).
      if (line.length <= 3 || line[3] === ' ') {
        const reply = { code: Number(line.slice(0, 3)), lines: this.lines, text: this.lines.join('\n') };
        this.lines = [];
        const w = this.waiters.shift();
        if (w) w(reply);
        else this.pending.push(reply);
      }
    }
  }

  /** The next reply, or a rejection after `timeoutMs`. */
  reply(timeoutMs = 10_000): Promise<SmtpReply> {
    const ready = this.pending.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no SMTP reply in time')), timeoutMs);
      this.waiters.push((r) => { clearTimeout(timer); resolve(r); });
    });
  }

  /** Writes `line` + CRLF and waits for the reply. */
  command(line: string, timeoutMs?: number): Promise<SmtpReply> {
    this.socket.write(`${line}\r\n`);
    return this.reply(timeoutMs);
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  /** Resolves once the server has closed the connection (or after `timeoutMs`, with false). */
  waitClosed(timeoutMs = 10_000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.socket.once('close', () => { clearTimeout(timer); resolve(true); });
    });
  }

  /**
   * Starts TLS on this connection (after the server's 220 to STARTTLS) and answers the
   * conversation inside it; replies the server wrote in plain text after its 220 stay here.
   */
  async startTls(): Promise<RawSmtp> {
    // The test server's certificate is self-signed.
    const tls = tlsConnect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      tls.once('secureConnect', resolve);
      tls.once('error', reject);
    });
    return new RawSmtp(tls);
  }

  /** Replies received and not yet read (without waiting). */
  unread(): SmtpReply[] {
    return this.pending.splice(0);
  }

  close(): void {
    this.socket.destroy();
  }
}
