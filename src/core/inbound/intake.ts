/**
 * The screened inbound pipeline: every message for hosted inboxes, from SMTP or from another
 * hosted inbox, passes here. In order, cheapest refusal first:
 *
 * 1. parse once;
 * 2. lists: each recipient inbox decides on the header From (what the agent sees, and what
 *    DMARC authenticates) and on the envelope sender (an explicit block of it refuses too); an
 *    inbox that refuses is dropped; when every inbox refuses, the message is refused;
 * 3. authentication (SMTP only; hosted mail is ours): SPF, DKIM, DMARC, ARC;
 * 4. `trusted` and `extracted_text`, then threading and storage (messages/receive.ts).
 *
 * An SMTP transaction has one answer to DATA for all its recipients: when some inboxes refuse
 * and others accept, the message is accepted and the refusing inboxes never see it.
 */
import { domainOf } from '../../mail/address.ts';
import { bareAddress, parseMail } from '../../mail/parse.ts';
import type { CoreDeps } from '../context.ts';
import type { AuthVerdicts, Inbox, Message } from '../model.ts';
import { receiveMail, type InboundMail } from '../messages/receive.ts';
import type { ListIndex } from './lists.ts';
import { isTrusted, localVerdicts, uniformVerdicts } from './verdicts.ts';

export interface IntakeMail extends Omit<InboundMail, 'parsed' | 'trusted' | 'auth'> {
  /** The SMTP client (SPF and its HELO fallback); absent for hosted-to-hosted mail. */
  client?: { ip: string; helo: string | null };
}

/** One inbox that refused the message, and the rule that made it. */
export interface InboxRefusal {
  inbox: Inbox;
  address: string;
  rule: string;
  entryId: string | null;
}

export type IntakeOutcome =
  | { ok: true; stored: Message[]; refused: InboxRefusal[]; auth: AuthVerdicts | null }
  /** Every recipient inbox refused: nothing was stored. */
  | { ok: false; refused: InboxRefusal[] };

/** Longest wait for SPF, DKIM, DMARC and ARC together; past it, the verdicts are `temperror`. */
export const AUTH_DEADLINE_MS = 10_000;

export async function intakeMail(deps: CoreDeps, mail: IntakeMail, completeJobId?: string): Promise<IntakeOutcome> {
  const parsed = await parseMail(mail.raw);
  const headerFrom = parsed.from ? bareAddress(parsed.from) : null;
  const accepted: Inbox[] = [];
  const refused: InboxRefusal[] = [];
  for (const inbox of mail.inboxes) {
    const index = deps.lists ? await deps.lists.index(inbox.orgId) : null;
    const refusal = index ? screenSender(index, inbox, headerFrom, mail.envelopeFrom) : null;
    if (refusal) refused.push(refusal);
    else accepted.push(inbox);
  }
  if (accepted.length === 0 && refused.length > 0) return { ok: false, refused };

  const fromDomain = headerFrom ? domainOf(headerFrom) || null : null;
  const auth = mail.via === 'local' ? localVerdicts(fromDomain) : await authenticate(deps, mail, fromDomain);
  // Blocked senders never get here (refused above), so trust is DMARC's verdict alone.
  const trusted = isTrusted(auth, false);
  const stored = await receiveMail(deps, { ...mail, inboxes: accepted, parsed, auth, trusted }, completeJobId);
  return { ok: true, stored, refused, auth };
}

/**
 * Whether `inbox` refuses mail with this From and envelope sender: the From must pass its lists
 * (allow lists included); the envelope sender only refuses on an explicit block entry, because
 * senders behind an ESP have a return path of the ESP's (`bounces+…@esp.example`).
 */
export function screenSender(index: ListIndex, inbox: Inbox, headerFrom: string | null, envelopeFrom: string | null): InboxRefusal | null {
  if (envelopeFrom) {
    const env = index.decide(inbox.id, 'inbound', envelopeFrom);
    if (!env.allowed && env.entry) return { inbox, address: envelopeFrom, rule: env.rule, entryId: env.entry.id };
  }
  // No From at all (some bounces): only an allow list can refuse it, having nothing to allow.
  const subject = headerFrom ?? envelopeFrom ?? '';
  const d = index.decide(inbox.id, 'inbound', subject);
  return d.allowed ? null : { inbox, address: subject || '<>', rule: d.rule, entryId: d.entry?.id ?? null };
}

/**
 * The RCPT TO check: an explicit block of the envelope sender refuses at once, per recipient,
 * before any byte of the message is read. Allow lists wait for the From at DATA (see above).
 */
export async function screenEnvelope(deps: CoreDeps, inbox: Inbox, envelopeFrom: string | null): Promise<InboxRefusal | null> {
  if (!deps.lists || !envelopeFrom) return null;
  const d = (await deps.lists.index(inbox.orgId)).decide(inbox.id, 'inbound', envelopeFrom);
  return !d.allowed && d.entry ? { inbox, address: envelopeFrom, rule: d.rule, entryId: d.entry.id } : null;
}

async function authenticate(deps: CoreDeps, mail: IntakeMail, fromDomain: string | null): Promise<AuthVerdicts | null> {
  if (!deps.mailAuth || !mail.client) return null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<AuthVerdicts>((resolve) => {
    timer = setTimeout(() => resolve(uniformVerdicts('temperror', fromDomain)), AUTH_DEADLINE_MS);
  });
  try {
    const verify = deps.mailAuth.verify({ raw: mail.raw, ip: mail.client.ip, helo: mail.client.helo, mailFrom: mail.envelopeFrom });
    return await Promise.race([verify, deadline]);
  } catch (err) {
    // The port never rejects; if an adapter does, the mail still arrives, unverified.
    deps.logger.warn({ err, lane: 'inbound' }, 'mail authentication failed');
    return uniformVerdicts('temperror', fromDomain);
  } finally {
    // Workers' clearTimeout takes no undefined.
    if (timer !== undefined) clearTimeout(timer);
  }
}
