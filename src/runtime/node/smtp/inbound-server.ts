import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { CoreDeps } from '../../../core/context.ts';
import { isHostedDomain } from '../../../core/inboxes/inbox-service.ts';
import type { Inbox } from '../../../core/model.ts';
import { receiveMail } from '../../../core/messages/receive.ts';
import { domainOf, isValidAddress } from '../../../mail/address.ts';
import { smtpError } from './smtp-replies.ts';

export interface InboundSmtpOptions {
  deps: CoreDeps;
  hostname: string;
  tls: { cert: string; key: string };
  /** Largest message in bytes, announced with SIZE (RFC 1870) and enforced. */
  maxSize: number;
  maxRecipients?: number;
}

/** Inboxes resolved at RCPT time, carried to DATA on the session. */
const sessionInboxes = new WeakMap<SMTPServerSession, Inbox[]>();

/**
 * The MX: accepts RCPT only for existing inboxes on hosted domains (never an open relay),
 * offers STARTTLS, enforces SIZE, and answers 250 only after the message is committed.
 */
export function createInboundSmtpServer(o: InboundSmtpOptions): SMTPServer {
  const { deps } = o;
  const maxRecipients = o.maxRecipients ?? 100;
  const server = new SMTPServer({
    name: o.hostname,
    banner: 'Breakwater ESMTP',
    size: o.maxSize,
    key: o.tls.key,
    cert: o.tls.cert,
    authOptional: true,
    disabledCommands: ['AUTH'],
    disableReverseLookup: true,
    logger: false,
    socketTimeout: 60_000,
    closeTimeout: 30_000,
    maxClients: 1000,

    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const rcpt = address.address.trim();
      const current = sessionInboxes.get(session) ?? [];
      if (current.length >= maxRecipients) return callback(smtpError('too_many_recipients'));
      if (!isValidAddress(rcpt)) return callback(smtpError('bad_address', `<${rcpt.slice(0, 254)}>`));
      if (!isHostedDomain(deps, domainOf(rcpt))) return callback(smtpError('relay_denied', `<${rcpt}>`));
      deps.store.getInboxByAddress(rcpt).then(
        (inbox) => {
          if (!inbox) return callback(smtpError('unknown_user', `<${rcpt}>`));
          if (!current.some((i) => i.id === inbox.id)) current.push(inbox);
          sessionInboxes.set(session, current);
          callback();
        },
        (err: unknown) => {
          deps.logger.error({ err, lane: 'inbound' }, 'smtp rcpt lookup failed');
          callback(smtpError('store_unavailable'));
        },
      );
    },

    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) {
      const chunks: Buffer[] = [];
      let size = 0;
      const started = performance.now();
      stream.on('data', (chunk: Buffer) => {
        // Past the limit, stop keeping bytes; smtp-server still reads to the end of DATA.
        if (stream.sizeExceeded) return;
        size += chunk.length;
        chunks.push(chunk);
      });
      stream.on('error', () => {});
      stream.on('end', () => {
        const inboxes = sessionInboxes.get(session) ?? [];
        // One transaction per DATA: the next MAIL FROM starts with no recipients.
        sessionInboxes.delete(session);
        if (stream.sizeExceeded) return callback(smtpError('too_large', `over ${o.maxSize} bytes`));
        const raw = new Uint8Array(Buffer.concat(chunks, size));
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
        receiveMail(deps, { raw, inboxes, envelopeFrom, via: 'smtp' }).then(
          (stored) => {
            deps.logger.info({ lane: 'inbound', smtp: 'data', result: 'accepted', bytes: size, inboxes: inboxes.map((i) => i.id), stored: stored.length, ms: Math.round(performance.now() - started) }, 'smtp message');
            callback(null, `2.0.0 Ok: stored ${stored.map((m) => m.id).join(' ') || 'duplicate'}`);
          },
          (err: unknown) => {
            deps.logger.error({ err, lane: 'inbound' }, 'smtp store failed');
            callback(smtpError('store_unavailable'));
          },
        );
      });
    },
  });
  // Without an error listener, a client that abandons the TLS handshake crashes the process.
  server.on('error', (err: Error) => deps.logger.warn({ lane: 'inbound', err: { message: err.message, code: (err as { code?: string }).code } }, 'smtp connection error'));
  return server;
}
