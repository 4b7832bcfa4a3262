/**
 * What an RCPT TO address means to the MX before any lookup. An MX for hosted domains must
 * never relay, and the classic tricks hide a foreign destination inside a hosted address:
 * the `%` hack (`user%other.example@hosted`), bang paths (`other.example!user@hosted`), a
 * quoted local part carrying an `@` (`"user@other.example"@hosted`), address literals
 * (`user@[192.0.2.1]`). smtp-server already drops a source route (`<@hosted:user@other>`
 * becomes `user@other`, RFC 5321 Appendix C) and answers 501 to `user@a@b` and to a domain
 * with a trailing dot, before this screen runs.
 */
import type { SmtpRefusal } from './smtp-replies.ts';

export type RecipientVerdict = { ok: true; address: string } | { ok: false; refusal: Extract<SmtpRefusal, 'relay_denied' | 'bad_address'> };

// dot-atom (RFC 5322 §3.2.3): what a quoted local part may hold and still name a plain address.
const DOT_ATOM = /^[A-Za-z0-9!#$&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$&'*+/=?^_`{|}~-]+)*$/;
// Characters that route mail onwards in some mailer: `%` and `!` (RFC 5321 Appendix C),
// `@` and `:` (a route or a second address hidden in a quoted string).
const ROUTING = /[%!@:]/;

/**
 * Screens `rcpt` (as smtp-server parsed it). The domainless `postmaster` (RFC 5321 §4.1.1.3)
 * names the default domain's postmaster. A quoted local part that is a plain dot-atom
 * (`"agent"@hosted`) is the same mailbox as the unquoted one (RFC 5322 §3.4.1) and is
 * unquoted; any other quoted local part is refused.
 */
export function screenRecipient(rcpt: string, isHosted: (domain: string) => boolean, defaultDomain: string): RecipientVerdict {
  if (rcpt.toLowerCase() === 'postmaster') return { ok: true, address: `postmaster@${defaultDomain}` };
  const at = rcpt.lastIndexOf('@');
  if (at <= 0) return { ok: false, refusal: 'bad_address' };
  const domain = rcpt.slice(at + 1).toLowerCase();
  let local = rcpt.slice(0, at);
  // We host names, never addresses: a literal is somebody else's host (RFC 5321 §4.1.3).
  if (domain.startsWith('[') || !isHosted(domain)) return { ok: false, refusal: 'relay_denied' };
  const quoted = /^"(.*)"$/s.exec(local);
  if (quoted) {
    const inner = quoted[1]!;
    if (ROUTING.test(inner)) return { ok: false, refusal: 'relay_denied' };
    if (!DOT_ATOM.test(inner)) return { ok: false, refusal: 'bad_address' };
    local = inner;
  }
  if (ROUTING.test(local)) return { ok: false, refusal: 'relay_denied' };
  return { ok: true, address: `${local}@${domain}` };
}
