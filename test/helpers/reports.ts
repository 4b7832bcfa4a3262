/**
 * Report messages as receivers send them: RFC 3464 DSNs (multipart/report; report-type=
 * delivery-status) and RFC 5965 ARF complaints (report-type=feedback-report), for tests of
 * the bounce and complaint intake.
 */

export interface DsnOptions {
  /** The bounced message's Message-ID, quoted in the returned headers. */
  originalMessageId: string;
  /** The original sender (the bounce goes to its VERP address; this is the header To). */
  to: string;
  from?: string;
  recipients: Array<{ address: string; status: string; diagnostic?: string; action?: 'failed' | 'delayed' }>;
  subject?: string;
}

const crlf = (lines: string[]) => lines.join('\r\n');

/** An RFC 3464 DSN from a receiving MTA, with the returned message's headers. */
export function dsn(o: DsnOptions): string {
  const b = 'dsn-boundary-01';
  const perRecipient = o.recipients.flatMap((r) => [
    '',
    `Final-Recipient: rfc822; ${r.address}`,
    `Action: ${r.action ?? 'failed'}`,
    `Status: ${r.status}`,
    'Remote-MTA: dns; mx.example.net',
    `Diagnostic-Code: smtp; ${r.diagnostic ?? `550 ${r.status} <${r.address}>: Recipient address rejected: User unknown in virtual mailbox table`}`,
  ]);
  return crlf([
    `From: ${o.from ?? 'Mail Delivery System <MAILER-DAEMON@mx.example.net>'}`,
    `To: ${o.to}`,
    `Subject: ${o.subject ?? 'Undelivered Mail Returned to Sender'}`,
    'Date: Sun, 01 Jun 2025 12:00:00 +0000',
    `Message-ID: <dsn.${Math.random().toString(36).slice(2)}@mx.example.net>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${b}"`,
    '',
    `--${b}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host mx.example.net.',
    '',
    "I'm sorry to have to inform you that your message could not",
    'be delivered to one or more recipients.',
    '',
    `--${b}`,
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    'Arrival-Date: Sun, 01 Jun 2025 12:00:00 +0000',
    ...perRecipient,
    '',
    `--${b}`,
    'Content-Type: text/rfc822-headers',
    '',
    `From: ${o.to}`,
    `To: ${o.recipients.map((r) => r.address).join(', ')}`,
    'Subject: hello',
    `Message-ID: ${o.originalMessageId}`,
    '',
    `--${b}--`,
    '',
  ]);
}

export interface ArfOptions {
  originalMessageId: string;
  /** Who complained; omitted when the provider redacts it. */
  recipient?: string;
  from: string;
  feedbackType?: string;
}

/** An RFC 5965 abuse report, as a mailbox provider's feedback loop sends it. */
export function arf(o: ArfOptions): string {
  const b = 'arf-boundary-01';
  return crlf([
    'From: Feedback Loop <fbl@isp.example>',
    'To: abuse@agents.localhost',
    'Subject: FW: hello',
    'Date: Sun, 01 Jun 2025 12:00:00 +0000',
    'Message-ID: <arf.1@isp.example>',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=feedback-report; boundary="${b}"`,
    '',
    `--${b}`,
    'Content-Type: text/plain',
    '',
    'This is an email abuse report for an email message received from IP 192.0.2.1.',
    '',
    `--${b}`,
    'Content-Type: message/feedback-report',
    '',
    `Feedback-Type: ${o.feedbackType ?? 'abuse'}`,
    'User-Agent: SomeGenerator/1.0',
    'Version: 1',
    'Source-IP: 192.0.2.1',
    ...(o.recipient ? [`Original-Rcpt-To: <${o.recipient}>`] : []),
    '',
    `--${b}`,
    'Content-Type: message/rfc822',
    '',
    `From: ${o.from}`,
    `To: ${o.recipient ?? 'redacted@isp.example'}`,
    'Subject: hello',
    `Message-ID: ${o.originalMessageId}`,
    '',
    'the message',
    '',
    `--${b}--`,
    '',
  ]);
}
