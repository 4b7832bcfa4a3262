import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { CoreDeps } from '../../../core/context.ts';
import { isHostedDomain } from '../../../core/inboxes/inbox-service.ts';
import type { Inbox } from '../../../core/model.ts';
import { intakeMail, screenEnvelope, type InboxRefusal } from '../../../core/inbound/intake.ts';
import { domainOf, isValidAddress } from '../../../mail/address.ts';
import { answerReports, reportRcpt, takeReports } from './report-intake.ts';
import { smtpError } from './smtp-replies.ts';
import { smtpObserver } from './smtp-telemetry.ts';

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
  const observe = smtpObserver(deps.telemetry);
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

    onConnect(session: SMTPServerSession, callback: (err?: Error | null) => void) {
      observe.connect(session);
      callback();
    },
    onClose(session: SMTPServerSession) {
      observe.close(session);
    },

    onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      callback = observe.wrap(session, 'mail', callback);
      const from = address.address.trim();
      // A null reverse-path (<>) is a bounce: it has no domain to refuse.
      if (from && deps.edge.quarantine.check('domain', domainOf(from), 'inbound')) {
        return callback(smtpError('sender_quarantined', `<${from}>`));
      }
      callback();
    },

    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      callback = observe.wrap(session, 'rcpt', callback);
      const rcpt = address.address.trim();
      const current = sessionInboxes.get(session) ?? [];
      if (current.length >= maxRecipients) return callback(smtpError('too_many_recipients'));
      if (!isValidAddress(rcpt)) return callback(smtpError('bad_address', `<${rcpt.slice(0, 254)}>`));
      if (!isHostedDomain(deps, domainOf(rcpt))) return callback(smtpError('relay_denied', `<${rcpt}>`));
      // Bounces and complaints (VERP, postmaster@, abuse@) go to the intake, not an inbox.
      if (reportRcpt(session, rcpt, current.length, callback)) return;
      deps.store.getInboxByAddress(rcpt).then(
        (inbox) => {
          if (!inbox) return callback(smtpError('unknown_user', `<${rcpt}>`));
          if (deps.edge.quarantine.check('inbox', inbox.id, 'inbound') ?? deps.edge.quarantine.check('domain', inbox.domain, 'inbound')) {
            return callback(smtpError('mailbox_quarantined', `<${rcpt}>`));
          }
          // Lists: an explicit block of the envelope sender refuses this recipient now (intake.ts).
          const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
          screenEnvelope(deps, inbox, envelopeFrom).then((blocked) => {
            if (blocked) return callback(listRefusal(blocked));
            if (!current.some((i) => i.id === inbox.id)) current.push(inbox);
            sessionInboxes.set(session, current);
            callback();
          }, (err: unknown) => {
            deps.logger.error({ err, lane: 'inbound' }, 'smtp list lookup failed');
            callback(smtpError('store_unavailable'));
          });
        },
        (err: unknown) => {
          deps.logger.error({ err, lane: 'inbound' }, 'smtp rcpt lookup failed');
          callback(smtpError('store_unavailable'));
        },
      );
    },

    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) {
      callback = observe.wrap(session, 'data', callback, sessionInboxes.get(session));
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
        const reports = takeReports(session);
        if (stream.sizeExceeded) return callback(smtpError('too_large', `over ${o.maxSize} bytes`));
        const raw = new Uint8Array(Buffer.concat(chunks, size));
        if (reports) return answerReports(deps, session, reports, raw, callback);
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
        const client = { ip: session.remoteAddress, helo: session.hostNameAppearsAs || null };
        intakeMail(deps, { raw, inboxes, envelopeFrom, via: 'smtp', client }).then(
          (outcome) => {
            if (!outcome.ok) {
              deps.logger.info({ lane: 'inbound', smtp: 'data', result: 'refused', rule: outcome.refused[0]!.rule, inboxes: inboxes.map((i) => i.id) }, 'smtp message');
              return callback(listRefusal(outcome.refused[0]!));
            }
            const stored = outcome.stored;
            deps.logger.info({ lane: 'inbound', smtp: 'data', result: 'accepted', bytes: size, inboxes: inboxes.map((i) => i.id), stored: stored.length, refused: outcome.refused.length, dmarc: outcome.auth?.dmarc, ms: Math.round(performance.now() - started) }, 'smtp message');
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

/** 550 5.7.1 naming the list rule; the sender's address is ours to echo only as printable ASCII. */
function listRefusal(r: InboxRefusal): Error & { responseCode: number } {
  const address = r.address.replace(/[^\x21-\x7e]/g, '?').slice(0, 254);
  return smtpError('sender_blocked', `<${address}>: ${r.rule.replace(/[^\x20-\x7e]/g, '?').slice(0, 300)}`);
}
