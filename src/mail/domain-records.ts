/**
 * The DNS records a hosted domain publishes so Breakwater can receive its mail
 * and its outbound mail authenticates (DESIGN §4 Domain, §8). Pure: no lookups.
 */

/** One record as the Domain resource shows it; names are absolute, without the final dot. */
export interface DomainRecord {
  type: 'MX' | 'TXT' | 'CNAME';
  name: string;
  value: string;
  priority?: number;
}

/** Inputs of {@link domainRecords}. */
export interface DomainRecordsOptions {
  /** The hosted domain, e.g. `agents.example.com`. */
  domain: string;
  /** Host of Breakwater's SMTP server, the MX target. */
  mxHost: string;
  /** DKIM selector; the key is published at `<selector>._domainkey.<domain>`. */
  selector: string;
  /** The DKIM TXT value, from `dkimTxtRecord`. */
  dkimTxt: string;
  /** SPF include of the outbound relay (e.g. `_spf.relay.example`); without it the MX hosts are the senders. */
  spfInclude?: string;
  /** Target of the return-path CNAME when bounces go through a relay's host (see {@link RETURN_PATH_LABEL}). */
  returnPathHost?: string;
  /** Address for DMARC aggregate reports (`rua`), if someone reads them. */
  dmarcReports?: string;
}

/** Label of the return-path subdomain: `bounces.<domain>` when `returnPathHost` is set. */
export const RETURN_PATH_LABEL = 'bounces';

/**
 * The records to publish, in the order a person adds them: MX, SPF, DKIM, DMARC,
 * then the return path.
 *
 * - SPF ends in `~all`, not `-all`: with DKIM and DMARC in place DMARC carries the
 *   policy, and some receivers reject an SPF `fail` at SMTP time before looking
 *   at DKIM, which loses forwarded mail that DKIM would have passed
 *   (RFC 7489 §10.1, M3AAWG's guidance for domains that publish DMARC).
 * - DMARC is `p=quarantine`: every message Breakwater sends carries an aligned
 *   DKIM signature, so real mail passes, and spoofed mail in the name of an agent
 *   (what the inbound `trusted` flag guards against) goes to spam rather than an
 *   inbox. `p=reject` would bounce outright the mail that mailing lists and
 *   forwarders alter; `p=none` would protect nothing.
 * - Return path: without `returnPathHost` the VERP address is
 *   `bounces+<token>@<domain>` (DESIGN §8), which the MX and SPF records already
 *   cover. With it, `bounces.<domain>` is a CNAME to the relay's host, which
 *   publishes the MX and SPF for bounces; DMARC's relaxed SPF alignment
 *   (RFC 7489 §3.1.2) still matches the organizational domain.
 */
export function domainRecords(opts: DomainRecordsOptions): DomainRecord[] {
  const domain = fqdn(opts.domain);
  const spf = opts.spfInclude ? `include:${fqdn(opts.spfInclude)}` : 'mx';
  const dmarc = ['v=DMARC1', 'p=quarantine', 'adkim=r', 'aspf=r'];
  if (opts.dmarcReports) dmarc.push(`rua=mailto:${opts.dmarcReports}`);
  const records: DomainRecord[] = [
    { type: 'MX', name: domain, value: fqdn(opts.mxHost), priority: 10 },
    // RFC 7208 §4.5: a name with two v=spf1 records is a permerror, so this is the only one.
    { type: 'TXT', name: domain, value: `v=spf1 ${spf} ~all` },
    { type: 'TXT', name: `${opts.selector}._domainkey.${domain}`, value: opts.dkimTxt },
    { type: 'TXT', name: `_dmarc.${domain}`, value: dmarc.join('; ') },
  ];
  if (opts.returnPathHost) {
    records.push({ type: 'CNAME', name: `${RETURN_PATH_LABEL}.${domain}`, value: fqdn(opts.returnPathHost) });
  }
  return records;
}

function fqdn(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}
