/**
 * Feedback reports: RFC 5965 ARF complaints (abuse, fraud, opt-out, ...), RFC 6591
 * DMARC/SPF/DKIM failure reports (ARF with Feedback-Type auth-failure), and two
 * widespread non-ARF forms: Microsoft's JMRP (the complained message forwarded with an
 * X-HmXmrOriginalRecipient header) and Apple Mail's one-click unsubscribe messages.
 *
 * An auth-failure report is about a message that failed authentication, often a
 * forgery, not about a recipient's wish: callers should count it, not suppress on it.
 */
import { firstAddress, findAddresses } from './addresses.ts';
import type { Field } from './fields.ts';
import { fieldValue, fieldValues, parseFieldBlocks } from './fields.ts';
import type { ReportMail } from './mime.ts';
import { header } from './mime.ts';
import { normalizeMessageId, quotedHeaderValues, quotedMessageId, splitReport } from './sections.ts';
import type { ComplaintReport } from './types.ts';

function originalMessageId(mail: ReportMail): string | null {
  const fromHeaders = mail.originalHeaders ? fieldValue(mail.originalHeaders, 'message-id') : null;
  const id = normalizeMessageId(fromHeaders);
  return id ?? quotedMessageId(splitReport(mail.text).quoted) ?? quotedMessageId(mail.otherText.join('\n'));
}

function addressesOf(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) for (const { address } of findAddresses(v)) if (!out.includes(address)) out.push(address);
  return out;
}

/** The To (and Cc) of the complained-about message: who received it. */
function quotedRecipients(mail: ReportMail): string[] {
  const h: readonly Field[] = mail.originalHeaders ?? [];
  const values = [...fieldValues(h, 'to'), ...fieldValues(h, 'cc')];
  if (values.length > 0) return addressesOf(values);
  return addressesOf(quotedHeaderValues(splitReport(mail.text).quoted, 'to'));
}

/** Parses the message/feedback-report part `report` of `mail` (RFC 5965 3.1). */
export function parseFeedbackReport(report: string, mail: ReportMail): ComplaintReport | null {
  const fields = parseFieldBlocks(report).flat();
  const type = fieldValue(fields, 'feedback-type');
  if (!type) return null;
  const rcpt = addressesOf([...fieldValues(fields, 'original-rcpt-to'), ...fieldValues(fields, 'removal-recipient')]);
  return {
    kind: 'complaint',
    feedbackType: type.trim().toLowerCase(),
    recipients: rcpt.length > 0 ? rcpt : quotedRecipients(mail),
    originalMessageId: originalMessageId(mail),
    userAgent: fieldValue(fields, 'user-agent'),
    sourceIp: fieldValue(fields, 'source-ip'),
  };
}

/**
 * Complaints that carry no feedback-report part: Microsoft JMRP forwards the message
 * with the complainant in X-HmXmrOriginalRecipient; Apple Mail's unsubscribe sends a
 * message marked X-Apple-Unsubscribe from the unsubscribing address.
 */
export function parseNonArfComplaint(mail: ReportMail): ComplaintReport | null {
  const jmrp = mail.originalHeaders ? fieldValue(mail.originalHeaders, 'x-hmxmroriginalrecipient') : null;
  if (jmrp) {
    const recipient = firstAddress(jmrp);
    return {
      kind: 'complaint',
      feedbackType: 'abuse',
      recipients: recipient ? [recipient] : quotedRecipients(mail),
      originalMessageId: originalMessageId(mail),
      userAgent: null,
      sourceIp: mail.originalHeaders ? fieldValue(mail.originalHeaders, 'x-reporter-ip') : null,
    };
  }
  if (/^true$/i.test(header(mail, 'x-apple-unsubscribe') ?? '') && mail.from) {
    return { kind: 'complaint', feedbackType: 'opt-out', recipients: [mail.from], originalMessageId: null, userAgent: null, sourceIp: null };
  }
  return null;
}
