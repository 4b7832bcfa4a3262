/**
 * Message-level tests: is this an auto-reply (never a bounce), does it look like a
 * delivery failure notice at all, and is it only a delay warning.
 */
import { isSystemAddress } from './addresses.ts';
import type { ReportMail } from './mime.ts';
import { header } from './mime.ts';

// Vacation and out-of-office subjects in the languages auto-replies are commonly sent in.
const AUTO_REPLY_SUBJECT = /^(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|out of (?:the )?office|away from|on vacation|vacation|abwesenheit|r[ée]ponse automatique|absence|autosvar|fuera de la oficina)\b|^auto:|\b(?:out of (?:the )?office|autoreply|auto-reply)\b/i;

// Challenge-response systems ask the sender to prove itself; the mail is held, not lost.
const CHALLENGE_SUBJECT = /please confirm your (?:e-?mail|message|request)|verify (?:your|that you)|sender verification|challenge[- ]response|spam ?arrest|boxbe|mailbox protected/i;

/** What the header tests read: the top header fields and the From address (src/mail/auto-submitted.ts passes no more). */
export type MailHead = Pick<ReportMail, 'headers' | 'from'>;

/**
 * True when a header says auto-reply: RFC 3834 5.1 "Auto-Submitted: auto-replied", or the
 * X-Autoreply / X-Autorespond / Precedence headers older responders set instead.
 */
export function hasAutoReplyHeader(mail: MailHead): boolean {
  const submitted = header(mail, 'auto-submitted')?.toLowerCase() ?? '';
  if (submitted.startsWith('auto-replied')) return true;
  if (header(mail, 'x-autoreply') !== null || header(mail, 'x-autorespond') !== null) return true;
  if (/^(?:vacation|auto_reply)$/i.test(header(mail, 'x-autoreply-type') ?? '')) return true;
  return /^auto[-_ ]?reply$/i.test(header(mail, 'precedence') ?? '');
}

/**
 * True for RFC 3834 auto-replies, vacation notices and challenge-response requests: an
 * auto-reply header, or only a telling subject.
 */
export function isAutoReply(mail: ReportMail): boolean {
  if (hasAutoReplyHeader(mail)) return true;
  return AUTO_REPLY_SUBJECT.test(mail.subject.trim()) || CHALLENGE_SUBJECT.test(mail.subject);
}

// Subjects MTAs put on failure notices (English, plus the Japanese and Russian ones in
// the corpus, which come from large providers there).
const BOUNCE_SUBJECT = /undeliver|undelivered|delivery (?:status notification|failure|failed|has failed|notification|problem)|failure notice|failed delivery|returned (?:mail|to sender)|mail delivery (?:failed|subsystem|system)|mail (?:system error|failure|failed)|delivery failure|could not (?:be )?deliver|non[- ]?delivery|nondeliverable|permanent delivery failure|delayed mail|warning: (?:could not|message)|there was an error sending|message delivery has failed|not delivered|rejected|unzustellbar|non remis|メッセージを配信できません|メールエラー|不達|не доставлено/i;

/**
 * True when the sender says this is a delivery notice: a mailer-daemon or postmaster
 * From, a null Return-Path, or Exim's X-Failed-Recipients. Such a notice is a bounce
 * candidate even when marked "Auto-Submitted: auto-replied", as Exim marks its bounces.
 */
export function fromMailSystem(mail: MailHead): boolean {
  if (mail.from && isSystemAddress(mail.from)) return true;
  const from = header(mail, 'from') ?? '';
  if (/mailer-daemon|mail delivery|postmaster/i.test(from) || from.replace(/\s/g, '') === '<>') return true;
  if ((header(mail, 'return-path') ?? '').replace(/\s/g, '') === '<>') return true;
  return header(mail, 'x-failed-recipients') !== null || /auto-generated \(failure\)|auto-notified/i.test(header(mail, 'auto-submitted') ?? '');
}

/** True when a subject reads like a failure notice's. */
export function hasBounceSubject(subject: string): boolean {
  return BOUNCE_SUBJECT.test(subject);
}

/**
 * Decides whether a message without a delivery-status part is worth reading as a
 * bounce: the mail system sent it, or it is no auto-reply and its subject says so.
 */
export function mayBeBounce(mail: ReportMail): boolean {
  if (fromMailSystem(mail)) return true;
  return !isAutoReply(mail) && hasBounceSubject(mail.subject);
}

// Wording of warnings that the MTA is still trying (RFC 3464 action "delayed").
const DELAY_TEXT = /\b(?:warning message only|this is a warning|you do not need to resend|will be retried|still being retried|has been delayed|is delayed|delivery delayed|only a temporary failure|not yet been delivered|will continue to try|will keep trying)\b/i;

/** True when the whole notice is a delay warning rather than a failure. */
export function isDelayNotice(mail: ReportMail, reportText: string): boolean {
  if (/\b(?:delay(?:ed)?|warning)\b/i.test(mail.subject) && !/fail/i.test(mail.subject)) return true;
  return DELAY_TEXT.test(reportText);
}
