/**
 * Email address utilities: the addr-spec an API should accept, and the
 * `Name <addr>` mailbox form. Web standards only (runs on Node and Workers).
 */

/** A parsed mailbox: an optional display name and a bare addr-spec. */
export interface Mailbox {
  name: string | null;
  address: string;
}

const MAX_ADDRESS_OCTETS = 254; // RFC 5321 §4.5.3.1.3 path (256) minus the angle brackets
const MAX_LOCAL_OCTETS = 64; // RFC 5321 §4.5.3.1.1
const MAX_DOMAIN_OCTETS = 253; // RFC 1035 §2.3.4, without the root label
const MAX_LABEL_OCTETS = 63; // RFC 1035 §2.3.4

// RFC 5322 §3.2.3 atext, minus `%`: the "percent hack" is an old source route
// (RFC 5321 Appendix C) that relays still honour, so an API never accepts it.
// Non-ASCII letters, marks and digits are allowed for SMTPUTF8 (RFC 6531 §3.3).
const LOCAL_ATOM = /^(?:[A-Za-z0-9!#$&'*+/=?^_`{|}~-]|(?!\p{ASCII})[\p{L}\p{M}\p{N}])+$/u;
// LDH labels (RFC 5890 §2.3.1), or U-labels made of letters, marks and digits (RFC 5891).
const DOMAIN_LABEL = /^(?:[A-Za-z0-9-]|(?!\p{ASCII})[\p{L}\p{M}\p{N}])+$/u;
// RFC 5322 §3.2.3 specials that force a display name to be quoted; `.` is
// tolerated unquoted (obs-phrase, §4.1) because "John Q. Public" is common.
const PHRASE_SPECIALS = /[()<>[\]:;@\\,"]/;
const encoder = new TextEncoder();

/** True if the string contains CR, LF or NUL, which would end or split a header line. */
export function hasHeaderInjection(s: string): boolean {
  return /[\r\n\0]/.test(s);
}

/**
 * A pragmatic RFC 5321 check of a bare addr-spec (`local@domain`): dot-atom
 * local part, LDH (or IDN) domain with at least one dot, unless it is
 * `localhost` or ends in `.localhost` (RFC 6761 §6.3). Quoted local parts,
 * address literals, source routes and `%` are refused.
 */
export function isValidAddress(addr: string): boolean {
  if (typeof addr !== 'string' || octets(addr) > MAX_ADDRESS_OCTETS) return false;
  // Controls (incl. CR, LF, NUL), spaces and quotes never reach the label checks.
  if (/[\p{Cc}\p{Cf}\p{Z}"]/u.test(addr)) return false;
  const at = addr.indexOf('@');
  if (at <= 0 || at !== addr.lastIndexOf('@')) return false;
  return isValidLocalPart(addr.slice(0, at)) && isValidDomain(addr.slice(at + 1));
}

function isValidLocalPart(local: string): boolean {
  if (octets(local) > MAX_LOCAL_OCTETS) return false;
  // dot-atom (RFC 5322 §3.2.3): no leading, trailing or doubled dot.
  return local.split('.').every((atom) => LOCAL_ATOM.test(atom));
}

function isValidDomain(domain: string): boolean {
  if (domain.length === 0 || octets(domain) > MAX_DOMAIN_OCTETS) return false;
  const labels = domain.split('.');
  const lower = domain.toLowerCase();
  if (labels.length < 2 && lower !== 'localhost') return false;
  // A numeric top-level label means a bare IP address, which RFC 5321 §4.1.3
  // only allows as a bracketed address literal (and we do not accept those).
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return false;
  for (const label of labels) {
    if (!DOMAIN_LABEL.test(label) || label.startsWith('-') || label.endsWith('-')) return false;
    if (octets(label) > MAX_LABEL_OCTETS) return false;
  }
  // DNS limits apply to the A-label (Punycode) form of an IDN (RFC 5890 §2.3.2.1).
  if (/\P{ASCII}/u.test(domain)) {
    const ascii = toAsciiDomain(domain);
    if (ascii === null || ascii.length > MAX_DOMAIN_OCTETS) return false;
    if (ascii.split('.').some((l) => l.length > MAX_LABEL_OCTETS)) return false;
  }
  return true;
}

/** IDNA ToASCII through the WHATWG URL parser, available on every runtime. */
function toAsciiDomain(domain: string): string | null {
  try {
    return new URL(`http://${domain}/`).hostname;
  } catch {
    return null;
  }
}

/**
 * Parses `a@b.com`, `<a@b.com>`, `Name <a@b.com>` or `"Display, Name" <a@b.com>`.
 * Returns null for anything else (lists, groups, comments, invalid addresses,
 * header injection). The address is returned as written, not normalised.
 */
export function parseMailbox(input: string): Mailbox | null {
  if (typeof input !== 'string' || hasHeaderInjection(input)) return null;
  const s = input.trim();
  if (!s.endsWith('>')) return isValidAddress(s) ? { name: null, address: s } : null;
  const open = s.lastIndexOf('<');
  if (open < 0) return null;
  const address = s.slice(open + 1, -1).trim();
  if (!isValidAddress(address)) return null;
  const name = parseDisplayName(s.slice(0, open).trim());
  return name === undefined ? null : { name, address };
}

/** A display name, null if absent, or undefined if malformed. */
function parseDisplayName(raw: string): string | null | undefined {
  if (raw === '') return null;
  if (raw.startsWith('"')) {
    // quoted-string (RFC 5322 §3.2.4): backslash escapes any character.
    const m = /^"((?:[^"\\]|\\.)*)"$/su.exec(raw);
    if (!m) return undefined;
    const name = (m[1] ?? '').replace(/\\(.)/gsu, '$1').trim();
    return name === '' ? null : name;
  }
  if (PHRASE_SPECIALS.test(raw) || /\p{Cc}/u.test(raw)) return undefined;
  return raw.replace(/\s+/g, ' ');
}

/** Trims and lowercases the domain; the local part is kept as is (RFC 5321 §2.4). */
export function normalizeAddress(addr: string): string {
  const s = addr.trim();
  const at = s.lastIndexOf('@');
  return at < 0 ? s : s.slice(0, at + 1) + s.slice(at + 1).toLowerCase();
}

/** The domain after the last `@`, lowercased; empty if there is none. */
export function domainOf(addr: string): string {
  const s = addr.trim();
  const at = s.lastIndexOf('@');
  return at < 0 ? '' : s.slice(at + 1).toLowerCase();
}

/** The local part before the last `@`, as written; the whole string if there is none. */
export function localPartOf(addr: string): string {
  const s = addr.trim();
  const at = s.lastIndexOf('@');
  return at < 0 ? s : s.slice(0, at);
}

function octets(s: string): number {
  return encoder.encode(s).length;
}
