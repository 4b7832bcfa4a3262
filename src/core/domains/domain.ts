/**
 * Hosted domains (Postal's Domain with per-record status): the default domain of the
 * deployment and the domains orgs add and verify. Each has a DKIM key; outbound mail from
 * its inboxes is signed with it (DESIGN §8).
 */
import type { DkimAlgorithm } from '../../mail/dkim/index.ts';
import type { DomainRecord } from '../../mail/domain-records.ts';

export type DomainStatus = 'pending' | 'verified' | 'failed';

/** What a record is for; the API shows it so a person knows which one to fix. */
export type RecordPurpose = 'mx' | 'spf' | 'dkim' | 'dmarc' | 'return_path';

/** One record to publish, with the outcome of its last check. */
export interface DomainRecordCheck extends DomainRecord {
  purpose: RecordPurpose;
  /** pending: not checked yet, or the lookup failed for now; failed: DNS answered, wrongly. */
  status: DomainStatus;
  /** What DNS answered at the last check (TXT values joined, MX exchanges), for the person fixing it. */
  found?: string[];
  /** Why the check did not pass, in one sentence. */
  error?: string;
}

export interface Domain {
  /** `dom_…` */
  id: string;
  /** null for the deployment's default domain (BREAKWATER_DOMAIN): every org sees it, none owns it. */
  orgId: string | null;
  /** Lower case, without the final dot. */
  name: string;
  status: DomainStatus;
  dkimSelector: string;
  dkimAlgorithm: DkimAlgorithm;
  /** PKCS #8, base64, sealed in a SecretBox envelope (`secretContext('dkim', id)`). A secret: never served. */
  dkimPrivateKey: string;
  /** The `p=` value published in DNS. */
  dkimPublicDns: string;
  records: DomainRecordCheck[];
  createdAt: number;
  verifiedAt: number | null;
  checkedAt: number | null;
}
