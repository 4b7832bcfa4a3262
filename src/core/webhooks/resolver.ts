/**
 * The Resolver port: DNS lookups core code needs (webhook SSRF checks, domain verification).
 * Declared here for now; it belongs in ../ports.ts beside the other ports.
 */

/** One MX record (RFC 5321 §5.1): lower `priority` is tried first. */
export interface MxRecord {
  exchange: string;
  priority: number;
}

/**
 * Resolves names to addresses and records. A name that does not exist or has no record of
 * the asked type is a value (`[]`); a resolver fault (timeout, SERVFAIL, refused) rejects.
 * Addresses are IP literals as the system would connect to them (IPv4 dotted decimal,
 * IPv6 without brackets). Safe for concurrent calls; implementations may cache.
 */
export interface Resolver {
  /** A and AAAA addresses of `host`, as the system resolver would connect (hosts file included). */
  resolveHost(host: string): Promise<string[]>;
  /** TXT records, each as its list of character-strings (RFC 1035 §3.3.14); join them to read one record. */
  resolveTxt?(name: string): Promise<string[][]>;
  resolveMx?(name: string): Promise<MxRecord[]>;
}
