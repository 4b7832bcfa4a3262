import type { MailTransport, OutgoingMail, SendOutcome } from '../../../core/ports.ts';
import { sendOverSmtp, type SmtpSessionOptions, type SmtpSocket } from './smtp-session.ts';

/**
 * Opens a TCP connection: `cloudflare:sockets` `connect()` on Workers. `tls` is 'on' for
 * smtps:// and 'starttls' otherwise (workerd must be told up front that the socket may upgrade).
 */
export type SmtpConnect = (host: string, port: number, tls: 'on' | 'starttls') => SmtpSocket;

export interface SocketSmtpTransportOptions {
  /** smtp://user:pass@host:port (STARTTLS when offered) or smtps://… (TLS from the start). */
  url: string;
  connect: SmtpConnect;
  /** Our EHLO name (the default domain). */
  clientName: string;
  commandTimeoutMs?: number;
  dataTimeoutMs?: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * The MailTransport over a raw socket: one connection per message, because a Worker's socket
 * lives no longer than the invocation that opened it. The same relay URL as the Node transport.
 */
export class SocketSmtpTransport implements MailTransport {
  private readonly host: string;
  private readonly port: number;
  private readonly session: SmtpSessionOptions;

  constructor(private readonly o: SocketSmtpTransportOptions) {
    const url = new URL(o.url);
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error(`relay URL must be smtp:// or smtps://, not ${url.protocol}`);
    const secure = url.protocol === 'smtps:';
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || (secure ? 465 : 587));
    this.session = {
      clientName: o.clientName,
      auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : null,
      secure,
      allowPlainAuth: LOOPBACK.has(url.hostname),
      commandTimeoutMs: o.commandTimeoutMs ?? 30_000,
      dataTimeoutMs: o.dataTimeoutMs ?? 120_000,
    };
  }

  async send(mail: OutgoingMail): Promise<SendOutcome> {
    let socket: SmtpSocket;
    try {
      socket = this.o.connect(this.host, this.port, this.session.secure ? 'on' : 'starttls');
    } catch (err) {
      return { ok: false, permanent: false, response: `connection: ${err instanceof Error ? err.message : String(err)}` };
    }
    return sendOverSmtp(socket, mail, this.session);
  }

  async close(): Promise<void> {
    // No pool: every connection closes with its message.
  }
}
