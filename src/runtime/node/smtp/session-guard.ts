/**
 * Per-session abuse limits around smtp-server: connections per client address and in all,
 * a deadline for each command line and for the whole session, and a cap on refused
 * recipients. It also owns the reply path: every reply passes through it, so refusals are
 * logged (code and reply text, never message content) and every reply carries one enhanced
 * status code (RFC 2034).
 */
import type { SMTPServer, SMTPServerSession } from 'smtp-server';
import type { Logger } from '../../../core/ports.ts';
import { smtpError, type SmtpRefusal } from './smtp-replies.ts';

export interface SessionLimits {
  /** Sessions at once, from everyone. */
  maxClients: number;
  /** Sessions at once from one client address. */
  maxClientsPerAddress: number;
  /** How long the client may take to send a complete command line after our last reply. */
  commandTimeoutMs: number;
  /** How long a session may last, whatever it does. */
  sessionTimeoutMs: number;
  /** Permanently refused recipients a session may collect before it is closed. */
  maxFailedRecipients: number;
}

export interface SessionGuard {
  /** For onConnect: null admits the session, an error (a 421) refuses it. */
  admit(session: SMTPServerSession): Error | null;
  /** For onClose: frees the session's slot and timers. */
  release(session: SMTPServerSession): void;
  /** An application handler is deciding: no command deadline until its reply is sent. */
  busy(session: SMTPServerSession): void;
  /** A refused RCPT: the error to answer with, a 421 once the session has had too many. */
  failedRecipient(session: SMTPServerSession, err: Error & { responseCode?: number }): Error;
}

type Send = (code: number, data?: string | string[] | null, context?: string | false) => void;
interface Connection { session: SMTPServerSession; send: Send }

interface State {
  send: Send;
  address: string;
  /** command: the client owes a command line; data: a message after 354; busy: we owe a reply. */
  phase: 'command' | 'data' | 'busy';
  /** The session deadline passed while we owed a reply: close after sending it. */
  expired: boolean;
  failedRecipients: number;
  commandTimer: NodeJS.Timeout;
  sessionTimer: NodeJS.Timeout;
}

// Our replies lead with their enhanced status code (smtp-replies.ts); smtp-server must not add another.
const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;
const HELLO = new Set(['HELO', 'EHLO', 'LHLO']);

export function createSessionGuard(server: SMTPServer, limits: SessionLimits, logger: Logger): SessionGuard {
  const states = new WeakMap<SMTPServerSession, State>();
  const perAddress = new Map<string, number>();
  let total = 0;

  const log = (session: SMTPServerSession, code: number, text: string) =>
    logger.info({ lane: 'inbound', smtp: 'refused', code, reply: text.slice(0, 300), remote: session.remoteAddress, session: session.id }, 'smtp refusal');

  function refuse(session: SMTPServerSession, kind: SmtpRefusal): Error {
    const err = smtpError(kind);
    log(session, err.responseCode, err.message);
    return err;
  }

  function close(state: State, kind: SmtpRefusal): void {
    const err = smtpError(kind);
    // A 421 makes smtp-server close the connection after writing it.
    state.send(err.responseCode, err.message);
  }

  function wrapSend(conn: Connection, state: State): Send {
    const original = conn.send.bind(conn);
    return (code, data, context) => {
      if (typeof data === 'string' && ENHANCED.test(data)) context = false;
      // smtp-server leaves the code off any reply to a HELO-like verb, a 500 for LHLO included.
      else if (code >= 400 && (context === false || (context && HELLO.has(context)))) context = undefined;
      // smtp-server's own 501 for an unparsable recipient counts like our refusals do.
      if (context === 'MAILBOX_SYNTAX_ERROR' && ++state.failedRecipients > limits.maxFailedRecipients) {
        const err = smtpError('too_many_failed_recipients');
        [code, data, context] = [err.responseCode, err.message, false];
      }
      if (code >= 400) log(conn.session, code, Array.isArray(data) ? data.join(' ') : String(data ?? ''));
      state.phase = code === 354 ? 'data' : 'command';
      if (state.phase === 'command') state.commandTimer.refresh();
      original(code, data, context);
      if (state.expired && code !== 421) {
        state.expired = false;
        close(state, 'session_timeout');
      }
    };
  }

  return {
    admit(session) {
      const address = session.remoteAddress;
      if (total >= limits.maxClients) return refuse(session, 'too_many_connections');
      const fromAddress = perAddress.get(address) ?? 0;
      if (fromAddress >= limits.maxClientsPerAddress) return refuse(session, 'too_many_connections_from_address');
      let conn: Connection | undefined;
      for (const c of server.connections) if (c.session === session) conn = c;
      if (!conn) return null;
      total++;
      perAddress.set(address, fromAddress + 1);
      const state: State = {
        send: conn.send, address, phase: 'command', expired: false, failedRecipients: 0,
        commandTimer: setTimeout(() => { if (state.phase === 'command') close(state, 'command_timeout'); }, limits.commandTimeoutMs),
        sessionTimer: setTimeout(() => {
          // Cutting a session while we decide on a message could lose our 250: wait for the reply.
          if (state.phase === 'busy') state.expired = true;
          else close(state, 'session_timeout');
        }, limits.sessionTimeoutMs),
      };
      state.commandTimer.unref();
      state.sessionTimer.unref();
      state.send = wrapSend(conn, state);
      conn.send = state.send;
      states.set(session, state);
      return null;
    },

    release(session) {
      const state = states.get(session);
      if (!state) return;
      states.delete(session);
      clearTimeout(state.commandTimer);
      clearTimeout(state.sessionTimer);
      total--;
      const left = (perAddress.get(state.address) ?? 1) - 1;
      if (left > 0) perAddress.set(state.address, left);
      else perAddress.delete(state.address);
    },

    busy(session) {
      const state = states.get(session);
      if (state) state.phase = 'busy';
    },

    failedRecipient(session, err) {
      const state = states.get(session);
      // Only permanent refusals: a 452 for one recipient too many, or a 4xx store fault, is not abuse.
      if (!state || (err.responseCode ?? 550) < 500) return err;
      return ++state.failedRecipients > limits.maxFailedRecipients ? smtpError('too_many_failed_recipients') : err;
    },
  };
}
