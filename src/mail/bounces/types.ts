/**
 * Why a message could not be delivered, in Breakwater's own words. The word is a
 * summary for people and dashboards; `BouncedRecipient.hard` is what suppression acts on.
 */
export type BounceReason =
  | 'user_unknown'
  | 'mailbox_full'
  | 'domain_not_found'
  | 'policy_block'
  | 'spam_block'
  | 'message_too_large'
  | 'rate_limited'
  | 'mailbox_disabled'
  | 'host_unreachable'
  | 'authentication_failed'
  | 'expired'
  | 'content_rejected'
  | 'other';

/** One recipient a bounce reports on. */
export interface BouncedRecipient {
  /** The address that failed, lower-cased, without angle brackets. */
  recipient: string;
  /** True when the address is dead and may be suppressed (see classify.ts for the rule). */
  hard: boolean;
  reason: BounceReason;
  /** RFC 3463 enhanced status code, e.g. "5.1.1", or null when the report gives none. */
  status: string | null;
  /** The remote server's words (SMTP reply or the MTA's explanation), or null. */
  diagnostic: string | null;
  /** RFC 3464 action: a `delayed` report is a warning, never a hard bounce. */
  action: 'failed' | 'delayed' | null;
  /** The MTA that answered, when the report names it. */
  remoteMta?: string | null;
}

/** A delivery failure or delay report (RFC 3464 DSN or a non-standard bounce). */
export interface BounceReport {
  kind: 'bounce';
  recipients: BouncedRecipient[];
  /** Message-ID of the bounced message quoted in the report, with angle brackets. */
  originalMessageId: string | null;
  /** RFC 3461 ENVID of the bounced message, when the DSN echoes it. */
  originalEnvelopeId?: string | null;
}

/** A feedback report: an ARF complaint (RFC 5965) or a DMARC failure report (RFC 6591). */
export interface ComplaintReport {
  kind: 'complaint';
  /** RFC 5965 Feedback-Type, lower-cased: abuse, fraud, virus, opt-out, not-spam, auth-failure, other. */
  feedbackType: string;
  /** Original-Rcpt-To of the report, else the To of the quoted message. */
  recipients: string[];
  originalMessageId: string | null;
  userAgent?: string | null;
  sourceIp?: string | null;
}

/** What `parseReport` answers: a bounce, a complaint, or null for anything else. */
export type ParsedReport = BounceReport | ComplaintReport;
