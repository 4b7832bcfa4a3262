import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** One message the sink accepted: the envelope as sent, the raw bytes, and their parse. */
export interface SinkMessage {
  /** MAIL FROM (the return path); '' for a null sender. */
  from: string;
  /** RCPT TO addresses the sink accepted, in order. */
  to: string[];
  raw: Buffer;
  parsed: Email;
  /** The Message-ID header, with angle brackets, or null. */
  messageId: string | null;
  receivedAt: number;
}

/** Every RCPT TO the sink saw, with the reply it gave: retries show up here. */
export interface SinkRcptAttempt {
  from: string;
  to: string;
  code: number;
  at: number;
}

interface Refusal {
  code: number;
  text: string;
}

/**
 * An SMTP server for tests that stands in for the relay: accepts everything (no auth, no
 * STARTTLS) and records it, except recipients told to refuse with a chosen 4xx or 5xx.
 * Start Breakwater with `BREAKWATER_SMTP_RELAY=${sink.url}`.
 */
export class SmtpSink {
  readonly messages: SinkMessage[] = [];
  readonly rcptAttempts: SinkRcptAttempt[] = [];
  readonly errors: Error[] = [];
  port = 0;
  private readonly refusals = new Map<string, Refusal>();
  private readonly server: SMTPServer;

  private constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      banner: 'test sink',
      // Breakwater's pooled relay connections stay open; do not wait 30 s for them on close.
      closeTimeout: 500,
      onRcptTo: (address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) => {
        const to = address.address.toLowerCase();
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const refusal = this.refusals.get(to);
        this.rcptAttempts.push({ from, to, code: refusal?.code ?? 250, at: Date.now() });
        if (!refusal) return callback();
        const err = new Error(refusal.text) as Error & { responseCode: number };
        err.responseCode = refusal.code;
        callback(err);
      },
      onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', (err: Error) => callback(err));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          PostalMime.parse(raw).then(
            (parsed) => {
              this.messages.push({
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
                raw, parsed, messageId: parsed.messageId ?? null, receivedAt: Date.now(),
              });
              callback();
            },
            (err: Error) => callback(err),
          );
        });
      },
    });
    // A client that drops the connection must not take the test process down.
    this.server.on('error', (err: Error) => this.errors.push(err));
  }

  static async start(): Promise<SmtpSink> {
    const sink = new SmtpSink();
    await new Promise<void>((resolve, reject) => {
      sink.server.server.once('error', reject);
      sink.server.listen(0, '127.0.0.1', () => {
        sink.server.server.off('error', reject);
        const addr = sink.server.server.address();
        sink.port = typeof addr === 'object' && addr ? addr.port : 0;
        resolve();
      });
    });
    return sink;
  }

  /** The relay URL to give Breakwater. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /**
   * Make RCPT TO `address` answer `code text` (e.g. 550, '5.1.1 no such user'; 451,
   * '4.3.0 try later') until `accept(address)`.
   */
  refuse(address: string, code: number, text: string): void {
    this.refusals.set(address.toLowerCase(), { code, text });
  }

  accept(address: string): void {
    this.refusals.delete(address.toLowerCase());
  }

  /** Messages whose envelope included `address`. */
  to(address: string): SinkMessage[] {
    const a = address.toLowerCase();
    return this.messages.filter((m) => m.to.some((t) => t.toLowerCase() === a));
  }

  byMessageId(messageId: string): SinkMessage[] {
    return this.messages.filter((m) => m.messageId === messageId);
  }

  /** Polls until `fn` is truthy, or fails after `timeoutMs`. */
  async waitFor<T>(fn: () => T | null | undefined | false, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`sink: condition not met in ${timeoutMs} ms (${this.messages.length} messages)`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
