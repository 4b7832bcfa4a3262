/**
 * Domains: the default domain (read-only, every org sees it) and the org's own, each with a
 * DKIM key made when it is added and the records to publish; verification through the
 * Resolver port turns a domain into a hosted one.
 */
import { dkimTxtRecord, generateDkimKey } from '../../mail/dkim/index.ts';
import { domainRecords, type DomainRecord } from '../../mail/domain-records.ts';
import { assertOrgScope, type KeyPrincipal } from '../auth/principal.ts';
import type { CoreDeps } from '../context.ts';
import type { Deliverability } from '../deliverability.ts';
import { BreakwaterError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Page } from '../model.ts';
import { secretContext } from '../secrets/secret-box.ts';
import type { Domain, DomainRecordCheck, RecordPurpose } from './domain.ts';
import { checkRecord, domainStatus } from './verify-records.ts';

const DOMAIN_NAME = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const PURPOSES: RecordPurpose[] = ['mx', 'spf', 'dkim', 'dmarc', 'return_path'];

function deliverability(deps: CoreDeps): Deliverability {
  if (!deps.deliverability) throw new Error('deliverability is not configured');
  return deps.deliverability;
}

/** A selector of our own per key, so two claims of one name never publish at one DNS name. */
function newSelector(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return 'bw' + Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => alphabet[b % alphabet.length]).join('');
}

function recordsFor(d: Deliverability, name: string, selector: string, publicKey: string): DomainRecordCheck[] {
  const records: DomainRecord[] = domainRecords({
    domain: name, mxHost: d.settings.mxHost, selector, dkimTxt: dkimTxtRecord({ algorithm: 'rsa', publicKeyDns: publicKey }),
    spfInclude: d.settings.spfInclude, returnPathHost: d.settings.returnPathHost,
  });
  // domainRecords lists MX, SPF, DKIM, DMARC, then the return path: the order names the purpose.
  return records.map((r, i) => ({ ...r, purpose: PURPOSES[i]!, status: 'pending' as const }));
}

/** A new domain with a fresh RSA 2048 key (widely verified; Ed25519 alone is not, RFC 8463 §1). */
async function makeDomain(d: Deliverability, orgId: string | null, name: string, now: number): Promise<Domain> {
  const key = await generateDkimKey('rsa');
  const selector = newSelector();
  const id = newId('dom', now);
  return {
    id, orgId, name, status: 'pending', dkimSelector: selector, dkimAlgorithm: key.algorithm,
    // Sealed before it leaves this function: no copy of the plain key is kept or stored.
    dkimPrivateKey: await d.secrets.seal(key.privateKeyPkcs8, secretContext('dkim', id)), dkimPublicDns: key.publicKeyDns, records: recordsFor(d, name, selector, key.publicKeyDns),
    createdAt: now, verifiedAt: null, checkedAt: null,
  };
}

/**
 * At start: the default domain gets its DKIM key the first time (the operator publishes its
 * records, so it counts as verified), then every domain is loaded into the registry.
 */
export async function loadDomains(d: Deliverability, now: number): Promise<void> {
  const all = await d.store.listAllDomains();
  const name = d.domains.defaultDomain;
  if (!all.some((x) => x.orgId === null && x.name === name)) {
    const made = await makeDomain(d, null, name, now);
    const def: Domain = { ...made, status: 'verified', verifiedAt: now };
    // Another process may have made it first: the stored one wins.
    if (!(await d.store.insertDomain(def))) return loadDomains(d, now);
    all.push(def);
  }
  d.domains.load(all);
}

function validName(deps: CoreDeps, raw: string): string {
  const name = raw.trim().toLowerCase().replace(/\.$/, '');
  const fail = (message: string, fix: string) => new BreakwaterError('validation_failed', message, { errors: [{ path: 'name', message }], fix });
  if (!DOMAIN_NAME.test(name)) throw fail('not a domain name', 'Pass a domain such as agents.example.com (punycode for IDNs).');
  const def = deps.settings.defaultDomain.toLowerCase();
  if (name === def || name.endsWith(`.${def}`)) throw fail(`${name} belongs to the default domain`, 'Use the default domain as it is, or add a domain you own.');
  return name;
}

/** The default domain first (on the first page only), then the org's domains, newest first. */
export async function listDomains(deps: CoreDeps, p: KeyPrincipal, cursor: string | null, limit: number): Promise<{ defaultDomain: Domain | null; page: Page<Domain> }> {
  const d = deliverability(deps);
  const page = await d.store.listDomains(p.orgId, { cursor, limit });
  return { defaultDomain: cursor ? null : d.domains.get(d.domains.defaultDomain), page };
}

export async function createDomain(deps: CoreDeps, p: KeyPrincipal, rawName: string): Promise<Domain> {
  assertOrgScope(p, 'add domains');
  const d = deliverability(deps);
  const name = validName(deps, rawName);
  const owner = d.domains.verifiedOwner(name);
  if (owner && owner !== p.orgId) {
    throw new BreakwaterError('conflict', `${name} is verified by another org`, { fix: 'Ask the operator if you own this domain.' });
  }
  const domain = await makeDomain(d, p.orgId, name, deps.clock());
  if (!(await d.store.insertDomain(domain))) {
    throw new BreakwaterError('conflict', `${name} was already added`, { fix: 'GET /v1/domains lists it; verify that one.' });
  }
  return domain;
}

/** The org's domain, or the default domain (readable by every org). */
export async function getDomain(deps: CoreDeps, p: KeyPrincipal, id: string): Promise<Domain> {
  const domain = await deliverability(deps).store.getDomain(id);
  if (!domain || (domain.orgId !== null && domain.orgId !== p.orgId)) throw notFound('domain');
  return domain;
}

/** Checks every record; a verified domain is hosted from now on (inboxes, inbound mail, DKIM). */
export async function verifyDomain(deps: CoreDeps, p: KeyPrincipal, id: string): Promise<Domain> {
  assertOrgScope(p, 'verify domains');
  const d = deliverability(deps);
  const domain = await getDomain(deps, p, id);
  if (domain.orgId === null) {
    throw new BreakwaterError('forbidden', 'the default domain is managed by the operator', { fix: 'Verify a domain of your own org.' });
  }
  if (!deps.resolver) throw new Error('no DNS resolver configured');
  const records = await Promise.all(domain.records.map((r) => checkRecord(deps.resolver!, r)));
  let status = domainStatus(records);
  const owner = d.domains.verifiedOwner(domain.name);
  if (status === 'verified' && owner && owner !== p.orgId) {
    throw new BreakwaterError('conflict', `${domain.name} is verified by another org`, { fix: 'Ask the operator if you own this domain.' });
  }
  const now = deps.clock();
  // A temporary lookup fault does not take hosting away from a domain that was verified.
  if (status === 'pending' && domain.status === 'verified') status = 'verified';
  const saved = await d.store.saveDomainCheck(domain.id, {
    status, records, checkedAt: now, verifiedAt: status === 'verified' ? (domain.verifiedAt ?? now) : null,
  });
  if (!saved) throw notFound('domain');
  d.domains.put(saved);
  d.onDomainChange?.(saved.id);
  return saved;
}
