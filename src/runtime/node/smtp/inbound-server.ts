import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { CoreDeps } from '../../../core/context.ts';
import { isHostedDomain } from '../../../core/inboxes/inbox-service.ts';
import type { Inbox } from '../../../core/model.ts';
import { intakeMail, screenEnvelope, type InboxRefusal } from '../../../core/inbound/intake.ts';
import { logStoreFailure } from '../../../core/store-fault-log.ts';
import { domainOf, isValidAddress } from '../../../mail/address.ts';
import { HeaderScreen, hasSmugglingDot } from './message-screen.ts';
import { screenRecipient } from './recipient-screen.ts';
import { answerReports, reportRcpt, takeReports } from './report-intake.ts';
import { createSessionGuard, type SessionLimits } from './session-guard.ts';
import { smtpError } from './smtp-replies.ts';
import { smtpObserver } from './smtp-telemetry.ts';

export interface InboundSmtpOptions {
  deps: CoreDeps;
  hostname: string;
  tls: { cert: string; key: string };
  /** Largest message in bytes, announced with SIZE (RFC 1870) and enforced. */
  maxSize: number;
  /** Abuse limits; the defaults are SMTP_DEFAULTS. */
  limits?: Partial<SmtpLimits>;
}

/** Session limits plus recipients per message and the idle timeout (any byte resets it). */
export interface SmtpLimits extends SessionLimits {
  /** RFC 5321 §4.5.3.1.8: at least 100 must be accepted; past it, 452 4.5.3. */
  maxRecipients: number;
  idleTimeoutMs: number;
}

/** The MX's abuse limits unless configured (BREAKWATER_SMTP_*, config.ts). */
export const SMTP_DEFAULTS: SmtpLimits = {
  maxRecipients: 100,
  maxFailedRecipients: 20,
  maxClients: 1000,
  maxClientsPerAddress: 20,
  idleTimeoutMs: 60_000,
  commandTimeoutMs: 60_000,
  sessionTimeoutMs: 600_000,
};

/** Inboxes resolved at RCPT time, carried to DATA on the session. */
const sessionInboxes = new WeakMap<SMTPServerSession, Inbox[]>();

/**
 * The MX: accepts RCPT only for existing inboxes on hosted domains (never an open relay),
 * offers STARTTLS, enforces SIZE, and answers 250 only after the message is committed.
 * Abuse limits: recipient screening (recipient-screen.ts), session caps and deadlines
 * (session-guard.ts), header limits and SMTP smuggling (message-screen.ts).
 */
export function createInboundSmtpServer(o: InboundSmtpOptions): SMTPServer {
  const { deps } = o;
  const limits = { ...SMTP_DEFAULTS, ...o.limits };
  const observe = smtpObserver(deps.telemetry);
  const server: SMTPServer = new SMTPServer({
    name: o.hostname,
    banner: 'Breakwater ESMTP',
    size: o.maxSize,
    key: o.tls.key,
    cert: o.tls.cert,
    authOptional: true,
    disabledCommands: ['AUTH'],
    disableReverseLookup: true,
    logger: false,
    // smtp-server leaves it off; every reply then carries a code, ours their own (session-guard.ts).
    hideENHANCEDSTATUSCODES: false,
    socketTimeout: limits.idleTimeoutMs,
    closeTimeout: 30_000,
    // A backstop for sockets still in smtp-server's 100 ms early-talker wait; the guard counts the rest.
    maxClients: limits.maxClients * 2,
    // smtp-server counts distinct recipients, report addresses included, and answers 452 4.5.3.
    maxRecipients: limits.maxRecipients,

    onConnect(session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const refused = guard.admit(session);
      if (refused) return callback(refused);
      observe.connect(session);
      callback();
    },
    onClose(session: SMTPServerSession) {
      guard.release(session);
      observe.close(session);
    },

    onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      callback = observe.wrap(session, 'mail', callback);
      guard.busy(session);
      const from = address.address.trim();
      // A null reverse-path (<>) is a bounce: it has no domain to refuse.
      if (from && deps.edge.quarantine.check('domain', domainOf(from), 'inbound')) {
        return callback(smtpError('sender_quarantined', `<${from}>`));
      }
      callback();
    },

    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const answer = observe.wrap(session, 'rcpt', callback);
      callback = (err) => answer(err ? guard.failedRecipient(session, err) : err);
      guard.busy(session);
      const written = address.address.trim();
      const current = sessionInboxes.get(session) ?? [];
      if (current.length >= limits.maxRecipients) return callback(smtpError('too_many_recipients'));
      const screened = screenRecipient(written, (d) => isHostedDomain(deps, d), deps.settings.defaultDomain);
      if (!screened.ok) return callback(smtpError(screened.refusal, `<${written.slice(0, 254)}>`));
      const rcpt = screened.address;
      if (!isValidAddress(rcpt)) return callback(smtpError('bad_address', `<${rcpt.slice(0, 254)}>`));
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
            logStoreFailure(deps.logger, err, { lane: 'inbound' }, 'smtp list lookup failed');
            callback(smtpError('store_unavailable'));
          });
        },
        (err: unknown) => {
          logStoreFailure(deps.logger, err, { lane: 'inbound' }, 'smtp rcpt lookup failed');
          callback(smtpError('store_unavailable'));
        },
      );
    },

    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) {
      callback = observe.wrap(session, 'data', callback, sessionInboxes.get(session));
      const chunks: Buffer[] = [];
      let size = 0;
      const started = performance.now();
      const headers = new HeaderScreen();
      stream.on('data', (chunk: Buffer) => {
        // Past a limit, stop keeping bytes; smtp-server still reads to the end of DATA.
        if (stream.sizeExceeded || headers.refusal) return;
        headers.push(chunk);
        size += chunk.length;
        chunks.push(chunk);
      });
      stream.on('error', () => {});
      stream.on('end', () => {
        guard.busy(session);
        const inboxes = sessionInboxes.get(session) ?? [];
        // One transaction per DATA: the next MAIL FROM starts with no recipients.
        sessionInboxes.delete(session);
        const reports = takeReports(session);
        if (stream.sizeExceeded) return callback(smtpError('too_large', `over ${o.maxSize} bytes`));
        if (headers.refusal) return callback(smtpError(headers.refusal));
        const raw = new Uint8Array(Buffer.concat(chunks, size));
        // Refused, not normalised: whichever way we read it, a mailer on the path may read it the other way.
        if (hasSmugglingDot(raw)) return callback(smtpError('bare_line_break_dot'));
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
            logStoreFailure(deps.logger, err, { lane: 'inbound' }, 'smtp store failed');
            callback(smtpError('store_unavailable'));
          },
        );
      });
    },
  });
  const guard = createSessionGuard(server, limits, deps.logger);
  // Without an error listener, a client that abandons the TLS handshake crashes the process.
  server.on('error', (err: Error) => deps.logger.warn({ lane: 'inbound', err: { message: err.message, code: (err as { code?: string }).code } }, 'smtp connection error'));
  return server;
}

/** 550 5.7.1 naming the list rule; the sender's address is ours to echo only as printable ASCII. */
function listRefusal(r: InboxRefusal): Error & { responseCode: number } {
  const address = r.address.replace(/[^\x21-\x7e]/g, '?').slice(0, 254);
  return smtpError('sender_blocked', `<${address}>: ${r.rule.replace(/[^\x20-\x7e]/g, '?').slice(0, 300)}`);
}
