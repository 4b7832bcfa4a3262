/**
 * Inbound authentication (DESIGN §1 "Agent safety", §8): the port that checks SPF, DKIM, DMARC
 * and ARC, and the rules that turn its verdicts into the `trusted` flag an agent reads.
 */
import type { AuthResult, AuthVerdicts } from '../model.ts';

/** What the MX knows about one SMTP transaction. */
export interface MailAuthInput {
  /** The message as received, before anything of ours is added. */
  raw: Uint8Array;
  /** The SMTP client's address (SPF checks it). */
  ip: string;
  /** The EHLO/HELO name; SPF falls back to it for a null reverse-path (RFC 7208 §2.4). */
  helo: string | null;
  /** MAIL FROM; null for the null reverse-path `<>`. */
  mailFrom: string | null;
}

/**
 * Checks a received message's authentication. Node implements it on `mailauth`
 * (src/adapters/mail-auth/mailauth); DNS goes through the Resolver port. Never rejects: a DNS
 * fault or a deadline is a `temperror` verdict, so mail is never refused for our resolver's sake.
 */
export interface MailAuthenticator {
  verify(input: MailAuthInput): Promise<AuthVerdicts>;
}

export const AUTH_RESULTS: readonly AuthResult[] = ['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror', 'policy'];

/** Any result string as one of ours: unknown values (a library's future ones) read as `neutral`, not `pass`. */
export function toAuthResult(value: unknown): AuthResult {
  return AUTH_RESULTS.includes(value as AuthResult) ? (value as AuthResult) : 'neutral';
}

/** Every method at one result, e.g. `temperror` when the checks ran out of time. */
export function uniformVerdicts(result: AuthResult, fromDomain: string | null = null): AuthVerdicts {
  return { spf: result, dkim: result, dmarc: result, arc: result, fromDomain };
}

/**
 * Mail between hosted inboxes never left this system: an API key of the org wrote it and our
 * own pipeline carried it, so it is authenticated by construction, without DNS.
 */
export function localVerdicts(fromDomain: string | null): AuthVerdicts {
  return { spf: 'pass', dkim: 'pass', dmarc: 'pass', arc: 'none', fromDomain };
}

/**
 * `trusted`: the From domain is proven (DMARC pass: an aligned SPF or DKIM pass, RFC 7489 §4.2)
 * and no list blocks the sender. An allow entry admits mail but never makes it trusted: From is
 * easy to forge, so only DMARC can vouch for it.
 */
export function isTrusted(auth: AuthVerdicts | null, blocked: boolean): boolean {
  return !blocked && auth?.dmarc === 'pass';
}

/** The public shape (DESIGN §4 Message `auth`), snake_case; older rows lack `arc` and `from_domain`. */
export function authJson(auth: AuthVerdicts | null) {
  if (!auth) return null;
  return { spf: auth.spf, dkim: auth.dkim, dmarc: auth.dmarc, arc: auth.arc ?? 'none', from_domain: auth.fromDomain ?? null };
}
