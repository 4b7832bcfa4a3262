import { toBase64 } from '../../../core/bytes.ts';
import type { OutgoingMail, RefusedRecipient, SendOutcome } from '../../../core/ports.ts';
import { encodeData, extensions, pathArg, ReplyReader, replyText, SmtpProtocolError, type SmtpReply } from './smtp-wire.ts';

/** A connected byte stream, as `cloudflare:sockets` gives it (Socket) and as tests build one on node:net. */
export interface SmtpSocket {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  /** Upgrades this connection to TLS (STARTTLS); the returned socket replaces this one. */
  startTls(): SmtpSocket;
  close(): Promise<void>;
}

export interface SmtpSessionOptions {
  /** Our name in EHLO. */
  clientName: string;
  /** AUTH PLAIN credentials (RFC 4616), or null to send without. */
  auth: { user: string; pass: string } | null;
  /** The connection is TLS from the start (smtps://). */
  secure: boolean;
  /** Credentials may cross a connection without TLS (a relay on loopback only). */
  allowPlainAuth: boolean;
  /** Deadline per reply: the greeting and commands (RFC 5321 §4.5.3.2 suggests minutes; a relay answers in seconds). */
  commandTimeoutMs: number;
  /** Deadline for the reply to the end of DATA, when the relay takes the message. */
  dataTimeoutMs: number;
}

/** A reply that ends the transaction; its code decides whether the job may retry. */
class SmtpRefusal extends Error {
  constructor(readonly reply: SmtpReply, readonly stage: string) {
    super(`${stage}: ${replyText(reply)}`);
  }
}

const encoder = new TextEncoder();

/**
 * One SMTP transaction on a fresh connection: greeting, EHLO (HELO if refused), STARTTLS when
 * offered, AUTH PLAIN, MAIL, one RCPT per recipient, DATA, QUIT. Never rejects: every fault is
 * an outcome, permanent only for a 5xx reply (RFC 5321 §4.2.1).
 */
export async function sendOverSmtp(first: SmtpSocket, mail: OutgoingMail, o: SmtpSessionOptions): Promise<SendOutcome> {
  let socket = first;
  let reader = new ReplyReader(socket.readable);
  let writer = socket.writable.getWriter();
  let tls = o.secure;
  const expect = async (stage: string, ok: (code: number) => boolean, timeoutMs = o.commandTimeoutMs): Promise<SmtpReply> => {
    const reply = await withTimeout(reader.read(), timeoutMs, stage);
    if (!ok(reply.code)) throw new SmtpRefusal(reply, stage);
    return reply;
  };
  const command = async (line: string, stage: string, ok: (code: number) => boolean) => {
    await writer.write(encoder.encode(`${line}\r\n`));
    return expect(stage, ok);
  };
  const is2xx = (c: number) => c >= 200 && c < 300;

  try {
    await expect('greeting', (c) => c === 220);
    let ehlo = await ehloOrHelo(command, o.clientName);
    let ext = extensions(ehlo);
    if (!tls && ext.has('STARTTLS')) {
      await command('STARTTLS', 'STARTTLS', (c) => c === 220);
      // Bytes sent before the handshake would be read as if they came over TLS (CVE-2011-0411 family).
      if (reader.pending > 0) throw new SmtpProtocolError('the server sent data after its STARTTLS reply');
      reader.release();
      writer.releaseLock();
      socket = socket.startTls();
      reader = new ReplyReader(socket.readable);
      writer = socket.writable.getWriter();
      tls = true;
      // RFC 3207 §4.2: everything learned before TLS is forgotten, so ask again.
      ehlo = await ehloOrHelo(command, o.clientName);
      ext = extensions(ehlo);
    }
    if (o.auth) {
      if (!tls && !o.allowPlainAuth) {
        return { ok: false, permanent: true, response: 'the relay offers no STARTTLS: credentials are not sent over plain text (use smtps:// or a relay with STARTTLS)' };
      }
      const mechanisms = (ext.get('AUTH') ?? '').toUpperCase().split(/\s+/);
      if (!mechanisms.includes('PLAIN')) return { ok: false, permanent: true, response: `the relay does not offer AUTH PLAIN (offers: ${mechanisms.join(' ') || 'none'})` };
      const token = toBase64(encoder.encode(`\u0000${o.auth.user}\u0000${o.auth.pass}`));
      await command(`AUTH PLAIN ${token}`, 'AUTH', (c) => c === 235);
    }
    const size = ext.has('SIZE') ? ` SIZE=${mail.raw.byteLength}` : '';
    const body8 = ext.has('8BITMIME') && has8bit(mail.raw) ? ' BODY=8BITMIME' : '';
    await command(`MAIL FROM:${pathArg(mail.from)}${size}${body8}`, 'MAIL FROM', is2xx);

    const refused: RefusedRecipient[] = [];
    for (const rcpt of mail.to) {
      const reply = await command(`RCPT TO:${pathArg(rcpt)}`, 'RCPT TO', () => true);
      if (!is2xx(reply.code)) refused.push({ recipient: rcpt, permanent: reply.code >= 500, response: replyText(reply) });
    }
    if (refused.length === mail.to.length) {
      await quit(writer);
      // Every recipient refused: the message as a whole is refused, for good only if each one was.
      return { ok: false, permanent: refused.every((r) => r.permanent), response: refused.map((r) => `<${r.recipient}> ${r.response}`).join('; ') };
    }
    await command('DATA', 'DATA', (c) => c === 354);
    await writer.write(encodeData(mail.raw));
    const done = await expect('end of DATA', is2xx, o.dataTimeoutMs);
    await quit(writer);
    const response = replyText(done);
    if (refused.length === 0) return { ok: true, response };
    return { ok: true, refused, response: `${response}; refused: ${refused.map((r) => `<${r.recipient}> ${r.response}`).join('; ')}` };
  } catch (err) {
    if (err instanceof SmtpRefusal) {
      await quit(writer);
      return { ok: false, permanent: err.reply.code >= 500, response: replyText(err.reply) };
    }
    // Connection refused or reset, TLS failure, timeout, garbage: the relay may do better later.
    return { ok: false, permanent: false, response: `connection: ${err instanceof Error ? err.message : String(err)}`.slice(0, 1000) };
  } finally {
    await socket.close().catch(() => {});
  }
}

type Command = (line: string, stage: string, ok: (code: number) => boolean) => Promise<SmtpReply>;

async function ehloOrHelo(command: Command, name: string): Promise<SmtpReply> {
  try {
    return await command(`EHLO ${name}`, 'EHLO', (c) => c === 250);
  } catch (err) {
    // RFC 5321 §4.1.4: a server that does not know EHLO answers 5xx; HELO then has no extensions.
    if (err instanceof SmtpRefusal && err.reply.code >= 500) return command(`HELO ${name}`, 'HELO', (c) => c === 250);
    throw err;
  }
}

async function quit(writer: WritableStreamDefaultWriter<Uint8Array>): Promise<void> {
  // Courtesy only: the outcome is decided; the server's 221 is not awaited.
  await writer.write(encoder.encode('QUIT\r\n')).catch(() => {});
}

function withTimeout<T>(pending: Promise<T>, ms: number, stage: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SmtpProtocolError(`no reply to ${stage} within ${ms} ms`)), ms);
  });
  return Promise.race([pending, deadline]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

function has8bit(raw: Uint8Array): boolean {
  for (const b of raw) if (b > 127) return true;
  return false;
}
