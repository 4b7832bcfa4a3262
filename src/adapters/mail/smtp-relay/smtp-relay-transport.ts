import nodemailer, { type Transporter } from 'nodemailer';
import type { MailTransport, OutgoingMail, SendOutcome } from '../../../core/ports.ts';

export interface SmtpRelayOptions {
  /** smtp://user:pass@host:port or smtps://… */
  url: string;
  maxConnections?: number;
  /** Accept a self-signed certificate; defaults to true only for a relay on loopback. */
  allowInvalidCertificates?: boolean;
}

interface SmtpFailure extends Error {
  responseCode?: number;
  response?: string;
  code?: string;
  recipient?: string;
}

/** Sends through the configured relay with a pooled nodemailer transport; the raw bytes go as they are. */
export class SmtpRelayTransport implements MailTransport {
  private readonly transporter: Transporter;

  constructor(o: SmtpRelayOptions) {
    const url = new URL(o.url);
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    this.transporter = nodemailer.createTransport({
      pool: true,
      maxConnections: o.maxConnections ?? 5,
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
      secure: url.protocol === 'smtps:',
      auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
      tls: { rejectUnauthorized: !(o.allowInvalidCertificates ?? loopback) },
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 120_000,
    });
  }

  async send(mail: OutgoingMail): Promise<SendOutcome> {
    try {
      const info = await this.transporter.sendMail({
        envelope: { from: mail.from, to: mail.to },
        raw: Buffer.from(mail.raw.buffer, mail.raw.byteOffset, mail.raw.byteLength),
      });
      const response = String(info.response ?? '250 accepted');
      // Some recipients refused, others accepted: nodemailer reports those only here, not as an error.
      const errors = (info as { rejectedErrors?: SmtpFailure[] }).rejectedErrors ?? [];
      if (errors.length === 0) return { ok: true, response };
      const refused = errors.map((e) => ({
        recipient: String(e.recipient ?? ''),
        permanent: (e.responseCode ?? 0) >= 500,
        response: e.response ?? e.message,
      })).filter((r) => r.recipient);
      return { ok: true, refused, response: `${response}; refused: ${refused.map((r) => `<${r.recipient}> ${r.response}`).join('; ')}` };
    } catch (e) {
      const err = e as SmtpFailure;
      const code = err.responseCode ?? 0;
      // A 5xx reply is final (RFC 5321 §4.2.1); connection faults and 4xx are worth a retry.
      return { ok: false, permanent: code >= 500 && code < 600, response: err.response ?? `${err.code ?? 'error'}: ${err.message}` };
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
