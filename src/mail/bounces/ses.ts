/**
 * Amazon SES notifications (the JSON that SES publishes through SNS, and its event
 * publishing format) when they arrive as email, e.g. an SNS topic subscribed by an
 * address. Bounce and Complaint notifications become reports; Delivery and anything
 * else are not reports.
 */
import { normalizeAddress } from './addresses.ts';
import { classify, HARD_REASONS } from './classify.ts';
import type { BouncedRecipient, BounceReason, BounceReport, ComplaintReport } from './types.ts';

interface SesRecipient {
  emailAddress?: string;
  action?: string;
  status?: string;
  diagnosticCode?: string;
}

interface SesNotification {
  notificationType?: string;
  eventType?: string;
  bounce?: { bounceType?: string; bounceSubType?: string; bouncedRecipients?: SesRecipient[]; reportingMTA?: string };
  complaint?: { complainedRecipients?: SesRecipient[]; complaintFeedbackType?: string; userAgent?: string };
  mail?: { sourceIp?: string; destination?: string[]; commonHeaders?: { messageId?: string } };
}

/**
 * Extracts the JSON object from the body. SNS email delivery wraps long lines as
 * "…!\n " (a "!" before each soft break), which must be undone before parsing.
 */
function extractJson(text: string): SesNotification | null {
  const start = text.indexOf('{"');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return null;
  const body = text.slice(start, end + 1).replace(/!\r?\n /g, '').replace(/\r?\n/g, '');
  try {
    const value: unknown = JSON.parse(body);
    return value && typeof value === 'object' ? (value as SesNotification) : null;
  } catch {
    return null;
  }
}

function messageId(n: SesNotification): string | null {
  const id = n.mail?.commonHeaders?.messageId;
  return id ? (id.startsWith('<') ? id : `<${id}>`) : null;
}

// SES's own bounce sub-types (its notification contents reference). NoEmail and the
// suppression-list types mean SES already knows the address is dead.
const SUB_TYPES: Readonly<Record<string, BounceReason>> = {
  NoEmail: 'user_unknown',
  Suppressed: 'user_unknown',
  OnAccountSuppressionList: 'user_unknown',
  MailboxFull: 'mailbox_full',
  MessageTooLarge: 'message_too_large',
  ContentRejected: 'content_rejected',
  AttachmentRejected: 'content_rejected',
};

function bounceRecipient(r: SesRecipient, transient: boolean, subType: string): BouncedRecipient | null {
  if (!r.emailAddress) return null;
  const status = r.status && /^\d\.\d{1,3}\.\d{1,3}$/.test(r.status) ? r.status : null;
  const diagnostic = r.diagnosticCode?.replace(/^smtp;\s*/i, '') ?? null;
  const action = /delay/i.test(r.action ?? '') ? 'delayed' : 'failed';
  const c = classify({ status, diagnostic, action });
  const sesReason = SUB_TYPES[subType];
  const reason = c.reason === 'other' && sesReason ? sesReason : c.reason;
  // SES only calls a bounce Permanent after its own classification; a Transient or
  // Undetermined one is never a reason to suppress.
  const hard = !transient && action === 'failed' && (c.hard || (reason === sesReason && HARD_REASONS.has(reason)));
  return { recipient: normalizeAddress(r.emailAddress), hard, reason, status, diagnostic, action, remoteMta: null };
}

/** True when `text` is an SES notification (of any type). */
export function isSesNotification(text: string): boolean {
  // [ \t]*, not \s*: under /m, \s* crosses line ends, and a run of blank lines made the scan quadratic.
  return /^[ \t]*\{"(?:notificationType|eventType)"\s*:/m.test(text);
}

/** Parses an SES notification in `text`: its bounce or complaint, else null. */
export function parseSesNotification(text: string): BounceReport | ComplaintReport | null {
  const n = extractJson(text);
  const type = n?.notificationType ?? n?.eventType;
  if (!n || !type) return null;
  if (type === 'Bounce' && n.bounce) {
    const transient = n.bounce.bounceType !== 'Permanent';
    const subType = n.bounce.bounceSubType ?? '';
    const recipients = (n.bounce.bouncedRecipients ?? [])
      .map((r) => bounceRecipient(r, transient, subType))
      .filter((r): r is BouncedRecipient => r !== null);
    return recipients.length > 0 ? { kind: 'bounce', recipients, originalMessageId: messageId(n), originalEnvelopeId: null } : null;
  }
  if (type === 'Complaint' && n.complaint) {
    const recipients = (n.complaint.complainedRecipients ?? []).flatMap((r) => (r.emailAddress ? [normalizeAddress(r.emailAddress)] : []));
    return {
      kind: 'complaint',
      feedbackType: (n.complaint.complaintFeedbackType ?? 'abuse').toLowerCase(),
      recipients,
      originalMessageId: messageId(n),
      userAgent: n.complaint.userAgent ?? null,
      sourceIp: n.mail?.sourceIp ?? null,
    };
  }
  return null;
}
