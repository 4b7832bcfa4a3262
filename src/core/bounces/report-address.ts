/**
 * The addresses of every hosted domain where reports arrive instead of an inbox: the VERP
 * return path `bounces+<message id>@domain` (DESIGN §8) and the role addresses postmaster@
 * (RFC 5321 §4.5.1) and abuse@ (RFC 2142), where providers send DSNs and complaints.
 */

export type ReportAddress =
  | { kind: 'verp'; messageId: string }
  | { kind: 'role'; role: 'postmaster' | 'abuse' };

// returnPath() writes the message id lowercased; ids are Crockford base32 (no I, L, O, U).
const VERP = /^bounces\+(msg_[0-9a-hjkmnp-tv-z]{26})$/;

/** What a local part means to the MX, or null for an ordinary one. Case-insensitive. */
export function reportAddress(localPart: string): ReportAddress | null {
  const lower = localPart.toLowerCase();
  if (lower === 'postmaster' || lower === 'abuse') return { kind: 'role', role: lower };
  const m = VERP.exec(lower);
  if (m) return { kind: 'verp', messageId: `msg_${m[1]!.slice(4).toUpperCase()}` };
  return null;
}
