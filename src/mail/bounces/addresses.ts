/**
 * Finding and normalising email addresses in report text. Reports quote addresses in
 * every style (`<a@b>`, `rfc822; a@b`, `"a@b":`, `a@b<mailto:a@b>`), so the scanner
 * finds every addr-spec and the callers decide which occurrences are recipients.
 */

// Characters of an RFC 5322 dot-atom local part and of a domain. The scan walks out
// from each "@" over these tables instead of running a regular expression, so a
// hostile report (one 25 MiB line of "a@a…") costs linear time, not quadratic.
const LOCAL_CHARS = new Uint8Array(128);
const DOMAIN_CHARS = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") DOMAIN_CHARS[c.charCodeAt(0)] = 1;
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-") LOCAL_CHARS[c.charCodeAt(0)] = 1;

const isIn = (table: Uint8Array, code: number): boolean => code < 128 && table[code] === 1;
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** Every address in `text`, in order of appearance, with its offset and length. */
export function findAddresses(text: string): Array<{ address: string; index: number; length: number }> {
  const out: Array<{ address: string; index: number; length: number }> = [];
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && isIn(LOCAL_CHARS, text.charCodeAt(start - 1))) start--;
    while (start < at && text[start] === '.') start++; // a local part never starts with a dot
    let end = at + 1;
    while (end < text.length && isIn(DOMAIN_CHARS, text.charCodeAt(end))) end++;
    while (end > at + 1 && /[.-]/.test(text[end - 1]!)) end--; // "a@b.example." ends a sentence
    if (start === at || end > 256 + at || !DOMAIN.test(text.slice(at + 1, end))) continue;
    out.push({ address: text.slice(start, end).toLowerCase(), index: start, length: end - start });
  }
  return out;
}

/** The first address in `text`, normalised, or null. */
export function firstAddress(text: string | null | undefined): string | null {
  return text ? (findAddresses(text)[0]?.address ?? null) : null;
}

/**
 * Lower-cases an address and trims the punctuation reports wrap it in. Lower-casing the
 * local part is not RFC-exact, but every large provider treats it case-insensitively and
 * suppression must match however the agent spelled the address.
 */
export function normalizeAddress(address: string): string {
  return address.replace(/^[<"'(\s]+|[>"'),;:.\s]+$/g, '').toLowerCase();
}

/** Local parts of system senders: a report about mail, never a recipient of it. */
const SYSTEM_LOCAL = /^(?:mailer-daemon|postmaster|post_master|mail\.delivery\.system|mailerdaemon|double-bounce)$/i;

/** True for mailer-daemon@, postmaster@ and similar system addresses. */
export function isSystemAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  return SYSTEM_LOCAL.test(at < 0 ? address : address.slice(0, at));
}
