import type { SMTPServerSession } from 'smtp-server';
import type { LaneTelemetry } from '../../../core/lanes/telemetry.ts';
import type { Inbox } from '../../../core/model.ts';

type Callback = (err?: Error | null, message?: string) => void;

/** Counts each SMTP session and command outcome on the inbound lane, without touching the handlers' logic. */
export interface SmtpObserver {
  connect(session: SMTPServerSession): void;
  /** Counts the session by what it achieved: `delivered` (a message stored), `refused`, or `empty`. */
  close(session: SMTPServerSession): void;
  /**
   * The command's callback, counting its answer when called: the refusal kind of a
   * `smtpError` (smtp-replies.ts), or acceptance. DATA carries the session's inboxes, so the
   * message counts for its org and first recipient inbox.
   */
  wrap<C extends Callback>(session: SMTPServerSession, stage: 'mail' | 'rcpt' | 'data', callback: C, inboxes?: Inbox[]): C;
}

/** An observer over `telemetry`; without one every method is a no-op wrapper. */
export function smtpObserver(telemetry: LaneTelemetry | undefined): SmtpObserver {
  const sessions = new WeakMap<SMTPServerSession, { accepted: number; refused: number }>();
  return {
    connect(session) {
      sessions.set(session, { accepted: 0, refused: 0 });
    },
    close(session) {
      const s = sessions.get(session);
      if (!s || !telemetry) return;
      telemetry.metrics.smtp('session', s.accepted > 0 ? 'delivered' : s.refused > 0 ? 'refused' : 'empty');
    },
    wrap(session, stage, callback, inboxes) {
      if (!telemetry) return callback;
      const started = performance.now();
      const wrapped: Callback = (err, message) => {
        const e = err as (Error & { responseCode?: number; refusal?: string }) | null | undefined;
        const code = e ? (e.refusal ?? `smtp_${e.responseCode ?? 451}`) : null;
        const s = sessions.get(session);
        if (s && code) s.refused++;
        else if (s && stage === 'data') s.accepted++;
        const inbox = inboxes?.[0];
        telemetry.smtp(stage, {
          status: e ? (e.responseCode ?? 451) : 250, code, ms: performance.now() - started,
          org: inbox?.orgId ?? null, inbox: inbox?.id ?? null,
        });
        callback(err, message);
      };
      return wrapped as typeof callback;
    },
  };
}
