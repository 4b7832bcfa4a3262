/**
 * The MX side of bounce and complaint intake: RCPT TO a VERP address, postmaster@ or abuse@
 * of a hosted domain is accepted without an inbox, and the message goes to the intake
 * (src/core/bounces/intake.ts) instead of an inbox. Reports and inbox mail never share a
 * transaction: a mixed RCPT gets 452 and the client sends the rest in another one.
 */
import type { SMTPServerSession } from 'smtp-server';
import { intakeReport } from '../../../core/bounces/intake.ts';
import { logStoreFailure } from '../../../core/store-fault-log.ts';
import { reportAddress } from '../../../core/bounces/report-address.ts';
import type { CoreDeps } from '../../../core/context.ts';
import { localPartOf } from '../../../mail/address.ts';
import { smtpError } from './smtp-replies.ts';

/** The VERP message ids a session's report recipients named (empty for role addresses). */
const sessionReports = new WeakMap<SMTPServerSession, string[]>();

/**
 * Handles RCPT TO for report addresses (the domain is already known to be hosted). Returns
 * true when it answered, false when `rcpt` is an ordinary recipient for the inbox lookup.
 */
export function reportRcpt(session: SMTPServerSession, rcpt: string, inboxesSoFar: number, callback: (err?: Error | null) => void): boolean {
  const report = reportAddress(localPartOf(rcpt));
  const reports = sessionReports.get(session);
  if (!report) {
    if (reports) callback(smtpError('too_many_recipients'));
    return !!reports;
  }
  if (inboxesSoFar > 0) {
    callback(smtpError('too_many_recipients'));
    return true;
  }
  const ids = reports ?? [];
  // The same VERP address repeated (smtp-server keeps one recipient for it) must not grow the list.
  if (report.kind === 'verp' && !ids.includes(report.messageId)) ids.push(report.messageId);
  sessionReports.set(session, ids);
  callback();
  return true;
}

/** The session's report recipients (VERP message ids), cleared: null when it named none. */
export function takeReports(session: SMTPServerSession): string[] | null {
  const verpIds = sessionReports.get(session) ?? null;
  sessionReports.delete(session);
  return verpIds;
}

/**
 * Runs the intake for a report transaction and answers DATA. A report that matches nothing is
 * stored nowhere and still gets 250 (refusing it would only bounce a bounce); a store fault
 * answers 451 so the sender retries.
 */
export function answerReports(deps: CoreDeps, session: SMTPServerSession, verpIds: string[], raw: Uint8Array, callback: (err?: Error | null, message?: string) => void): void {
  const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  intakeReport(deps, raw, verpIds).then(
    (r) => {
      deps.logger.info({ lane: 'outbound', smtp: 'report', envelope_from: envelopeFrom, bytes: raw.byteLength, ...r, result: r.kind }, 'report intake');
      callback(null, r.kind === 'ignored' ? '2.0.0 Ok: received, not acted on' : `2.0.0 Ok: ${r.kind} recorded`);
    },
    (err: unknown) => {
      logStoreFailure(deps.logger, err, { lane: 'outbound' }, 'report intake failed');
      callback(smtpError('store_unavailable'));
    },
  );
}
