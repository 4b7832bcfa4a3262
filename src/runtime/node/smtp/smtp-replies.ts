/**
 * Each SMTP refusal with its reply code and enhanced status code (RFC 3463), in one table.
 * smtp-server writes err.message after the reply code, so the enhanced code leads the text.
 */
export const SMTP_REPLIES = {
  unknown_user: { code: 550, status: '5.1.1', text: 'no such mailbox here' },
  relay_denied: { code: 550, status: '5.7.1', text: 'relaying denied: this server accepts mail only for its hosted domains' },
  bad_address: { code: 553, status: '5.1.3', text: 'the address is not valid' },
  too_many_recipients: { code: 452, status: '4.5.3', text: 'too many recipients for one message; send the rest in another transaction' },
  too_large: { code: 552, status: '5.3.4', text: 'message exceeds the size limit' },
  store_unavailable: { code: 451, status: '4.3.0', text: 'temporary failure storing the message; try again later' },
  shutting_down: { code: 421, status: '4.3.2', text: 'service shutting down; try again later' },
  sender_quarantined: { code: 550, status: '5.7.1', text: 'mail from this domain is refused by policy (quarantined)' },
  mailbox_quarantined: { code: 450, status: '4.2.1', text: 'this mailbox is not accepting mail right now (quarantined); try again later' },
  sender_blocked: { code: 550, status: '5.7.1', text: "refused by the recipient's allow or block list" },
  // Abuse limits (session-guard.ts, message-screen.ts). A 421 closes the session (RFC 5321 §3.8).
  too_many_failed_recipients: { code: 421, status: '4.7.0', text: 'too many refused recipients in this session; closing' },
  too_many_connections: { code: 421, status: '4.7.0', text: 'too many connections; try again later' },
  too_many_connections_from_address: { code: 421, status: '4.7.0', text: 'too many connections from your address; try again later' },
  command_timeout: { code: 421, status: '4.4.2', text: 'command not completed in time; closing' },
  session_timeout: { code: 421, status: '4.4.2', text: 'session time limit reached; closing' },
  headers_too_large: { code: 552, status: '5.3.4', text: 'the header section exceeds the limit' },
  header_line_too_long: { code: 554, status: '5.6.0', text: 'a header line exceeds 998 characters (RFC 5322 §2.1.1)' },
  bare_line_break_dot: { code: 554, status: '5.6.0', text: 'a lone dot next to a bare CR or LF (SMTP smuggling); lines must end in CRLF (RFC 5321 §2.3.8)' },
} as const;

export type SmtpRefusal = keyof typeof SMTP_REPLIES;

/** An Error smtp-server turns into the reply, e.g. `550 5.1.1 <a@b>: no such mailbox here`. */
export function smtpError(kind: SmtpRefusal, subject?: string): Error & { responseCode: number; refusal: SmtpRefusal } {
  const r = SMTP_REPLIES[kind];
  const err = new Error(`${r.status} ${subject ? `${subject}: ` : ''}${r.text}`) as Error & { responseCode: number; refusal: SmtpRefusal };
  err.responseCode = r.code;
  // Telemetry counts refusals by kind (smtp-telemetry.ts); the reply text never carries it.
  err.refusal = kind;
  return err;
}
