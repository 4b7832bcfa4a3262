/**
 * The SSRF guard for webhook URLs: a customer-supplied URL must not make our workers call
 * loopback, the private network or a cloud metadata service (OWASP SSRF Prevention Cheat Sheet).
 * Ranges follow the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890).
 */
import ipaddr from 'ipaddr.js';

export type AddressClass =
  | 'public' | 'loopback' | 'private' | 'link_local' | 'unique_local' | 'cgnat'
  | 'unspecified' | 'multicast' | 'reserved' | 'metadata';

type Bytes = readonly number[];
/** How to classify an IPv6 range that carries an IPv4 address inside it. */
type Embedded = 'last32' | 'compat' | '6to4' | 'teredo';
type Rule = readonly [prefix: Bytes, bits: number, verdict: AddressClass | Embedded];

const rule = (cidr: string, verdict: AddressClass | Embedded): Rule => {
  const [address, bits] = ipaddr.parseCIDR(cidr);
  return [address.toByteArray(), bits, verdict];
};

// First match wins, so the narrow entries come before the ranges containing them.
const V4_RULES: readonly Rule[] = [
  rule('169.254.169.254/32', 'metadata'), // AWS, GCP, Azure, OpenStack instance metadata
  rule('100.100.100.200/32', 'metadata'), // Alibaba Cloud instance metadata
  rule('0.0.0.0/8', 'unspecified'), // RFC 1122 §3.2.1.3 "this network"; Linux connects 0.0.0.0 to the local host
  rule('10.0.0.0/8', 'private'), // RFC 1918
  rule('100.64.0.0/10', 'cgnat'), // RFC 6598 shared address space
  rule('127.0.0.0/8', 'loopback'), // RFC 1122 §3.2.1.3
  rule('169.254.0.0/16', 'link_local'), // RFC 3927
  rule('172.16.0.0/12', 'private'), // RFC 1918
  rule('192.0.0.0/24', 'reserved'), // RFC 6890 IETF protocol assignments
  rule('192.0.2.0/24', 'reserved'), // RFC 5737 documentation (TEST-NET-1)
  rule('192.88.99.0/24', 'reserved'), // RFC 7526 deprecated 6to4 relay anycast
  rule('192.168.0.0/16', 'private'), // RFC 1918
  rule('198.18.0.0/15', 'reserved'), // RFC 2544 benchmarking
  rule('198.51.100.0/24', 'reserved'), // RFC 5737 documentation (TEST-NET-2)
  rule('203.0.113.0/24', 'reserved'), // RFC 5737 documentation (TEST-NET-3)
  rule('224.0.0.0/4', 'multicast'), // RFC 5771
  rule('240.0.0.0/4', 'reserved'), // RFC 1112 §4 class E, with 255.255.255.255 limited broadcast (RFC 919)
];

const V6_RULES: readonly Rule[] = [
  rule('::/128', 'unspecified'), // RFC 4291 §2.5.2
  rule('::1/128', 'loopback'), // RFC 4291 §2.5.3
  rule('fd00:ec2::254/128', 'metadata'), // AWS instance metadata over IPv6 (inside fc00::/7)
  rule('::ffff:0:0/96', 'last32'), // RFC 4291 §2.5.5.2 IPv4-mapped: the socket talks IPv4
  rule('::ffff:0:0:0/96', 'last32'), // RFC 6145 IPv4-translated
  rule('64:ff9b::/96', 'last32'), // RFC 6052 NAT64 well-known prefix: the translator connects to the IPv4
  rule('64:ff9b:1::/48', 'private'), // RFC 8215 local-use NAT64; where the IPv4 sits is site-specific
  rule('::/96', 'compat'), // RFC 4291 §2.5.5.1 IPv4-compatible (deprecated)
  rule('100::/64', 'reserved'), // RFC 6666 discard-only
  rule('2001::/32', 'teredo'), // RFC 4380 Teredo
  rule('2001::/23', 'reserved'), // RFC 2928 IETF protocol assignments (ORCHID, benchmarking, …)
  rule('2001:db8::/32', 'reserved'), // RFC 3849 documentation
  rule('2002::/16', '6to4'), // RFC 3056 6to4
  rule('3fff::/20', 'reserved'), // RFC 9637 documentation
  rule('5f00::/16', 'reserved'), // RFC 9602 SRv6 SIDs
  rule('fc00::/7', 'unique_local'), // RFC 4193
  rule('fe80::/10', 'link_local'), // RFC 4291 §2.5.6
  rule('fec0::/10', 'private'), // RFC 3879 deprecated site-local
  rule('ff00::/8', 'multicast'), // RFC 4291 §2.7
  rule('2000::/3', 'public'), // RFC 4291 §2.4 global unicast; anything else is unallocated
];

/**
 * The class of an IP literal (IPv4 dotted decimal or IPv6, zone id allowed). IPv6 forms that
 * carry an IPv4 address (mapped, NAT64, 6to4, Teredo) take the class of that IPv4 address.
 * Anything unparseable or ambiguous (`010.0.0.1`, `0x7f.1`) is `reserved`: fail closed.
 */
export function classifyAddress(ip: string): AddressClass {
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return classifyV4(ipaddr.IPv4.parse(ip).octets);
  const v6 = parseV6(ip);
  return v6 ? classifyV6(v6) : 'reserved';
}

function parseV6(ip: string): Bytes | null {
  if (!ipaddr.IPv6.isValid(ip)) return null;
  const dotted = ip.split('%')[0]!.split(':').pop()!;
  if (dotted.includes('.')) {
    // RFC 4291 §2.2 allows only dotted decimal here; ipaddr.js would also read `010.0.0.1` as octal.
    if (!ipaddr.IPv4.isValidFourPartDecimal(dotted)) return null;
    // ipaddr.js reads `::a.b.c.d` as IPv4-mapped; it is IPv4-compatible (RFC 4291 §2.5.5.1), as inet_pton reads it.
    if (/^::[\d.]+(%.*)?$/.test(ip)) return [...new Array<number>(12).fill(0), ...ipaddr.IPv4.parse(dotted).octets];
  }
  return ipaddr.IPv6.parse(ip).toByteArray();
}

function classifyV4(octets: Bytes): AddressClass {
  const verdict = match(V4_RULES, octets) ?? 'public';
  return verdict as AddressClass;
}

function classifyV6(bytes: Bytes): AddressClass {
  const verdict = match(V6_RULES, bytes) ?? 'reserved';
  switch (verdict) {
    case 'last32':
      return classifyV4(bytes.slice(12, 16));
    case 'compat': {
      // No stack routes these any more; a public IPv4 inside is still no reason to call it.
      const inner = classifyV4(bytes.slice(12, 16));
      return inner === 'public' ? 'reserved' : inner;
    }
    case '6to4':
      return classifyV4(bytes.slice(2, 6)); // RFC 3056 §2: 2002:V4ADDR::/48
    case 'teredo':
      return classifyV4(bytes.slice(12, 16).map((b) => b ^ 0xff)); // RFC 4380 §4: client IPv4, bits inverted
    default:
      return verdict;
  }
}

function match(rules: readonly Rule[], bytes: Bytes): AddressClass | Embedded | undefined {
  return rules.find(([prefix, bits]) => prefix.length === bytes.length && inPrefix(bytes, prefix, bits))?.[2];
}

function inPrefix(bytes: Bytes, prefix: Bytes, bits: number): boolean {
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

export interface CheckWebhookUrlOptions {
  /** Operator switch for tests and local development: lets non-public addresses through, except metadata. */
  allowPrivate: boolean;
}

export type WebhookUrlCheck =
  | { ok: true; url: URL; addresses: string[] }
  | { ok: false; code: 'invalid_url' | 'scheme_not_allowed' | 'credentials_not_allowed' | 'unresolvable' | 'address_not_allowed'; detail: string };

/**
 * Checks a webhook URL and returns the addresses it resolved to. The caller must connect to
 * one of those addresses and run this check again before every delivery: a name can resolve
 * to a public address when registered and to 127.0.0.1 later (DNS rebinding).
 * A refusal is a value; `resolve` faults become `unresolvable`.
 */
export async function checkWebhookUrl(
  url: string,
  resolve: (host: string) => Promise<string[]>,
  opts: CheckWebhookUrlOptions,
): Promise<WebhookUrlCheck> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, code: 'invalid_url', detail: 'not an absolute URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, code: 'scheme_not_allowed', detail: `scheme ${parsed.protocol.slice(0, -1)} is not http or https` };
  }
  // Credentials in the URL would be stored and logged with it; the signature authenticates us instead.
  if (parsed.username || parsed.password) {
    return { ok: false, code: 'credentials_not_allowed', detail: 'the URL must not carry a user name or password' };
  }

  // The WHATWG parser already turned 2130706433, 0x7f.1 and 0177.0.0.1 into 127.0.0.1
  // (URL Standard, "IPv4 parser"), so an IPv4 literal here is always dotted decimal.
  const host = parsed.hostname;
  const literal = host.startsWith('[') ? host.slice(1, -1) : ipaddr.IPv4.isValidFourPartDecimal(host) ? host : null;
  if (literal === null && isLocalhostName(host) && !opts.allowPrivate) {
    return { ok: false, code: 'address_not_allowed', detail: `${host} is loopback (RFC 6761 §6.3)` };
  }

  let addresses: string[];
  if (literal !== null) {
    addresses = [literal];
  } else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      return { ok: false, code: 'unresolvable', detail: `${host} did not resolve: ${(error as Error).message}` };
    }
    if (addresses.length === 0) return { ok: false, code: 'unresolvable', detail: `${host} has no address` };
  }

  // Every address must pass, not just the first: the connecting side may pick any of them.
  for (const address of addresses) {
    const kind = classifyAddress(address);
    if (kind === 'public') continue;
    // Metadata stays refused even for the operator switch: no local setup needs it, attackers do.
    if (opts.allowPrivate && kind !== 'metadata') continue;
    return { ok: false, code: 'address_not_allowed', detail: `${host} resolves to ${address} (${kind})` };
  }
  return { ok: true, url: parsed, addresses };
}

function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}
