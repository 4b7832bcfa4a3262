/**
 * The hosted domains in memory. Every RCPT TO of the SMTP server and every delivery asks
 * "is this domain ours?", so the answer is a map lookup; the store is read once at start and
 * the registry is told of every change this process makes.
 */
import type { DkimSignOptions } from '../../mail/dkim/index.ts';
import type { Domain } from './domain.ts';

/** What signing mail from a domain needs, with its private key still sealed (`secretContext('dkim', domainId)`). */
export type DkimSigner = Omit<DkimSignOptions, 'now' | 'privateKeyPkcs8'> & { domainId: string; sealedKey: string };

export class DomainRegistry {
  private readonly byName = new Map<string, Domain>();
  readonly defaultDomain: string;

  constructor(defaultDomain: string) {
    this.defaultDomain = defaultDomain.toLowerCase();
  }

  /** Replaces the registry's view with these domains (start). */
  load(domains: Domain[]): void {
    this.byName.clear();
    for (const d of domains) this.put(d);
  }

  /**
   * Records a domain as it now is. A name can be claimed by several orgs while pending; the
   * registry keeps the verified claim (there is at most one), else the latest.
   */
  put(domain: Domain): void {
    // A default domain left by an earlier BREAKWATER_DOMAIN is history, not hosted.
    if (domain.orgId === null && domain.name !== this.defaultDomain) return;
    const current = this.byName.get(domain.name);
    if (current && current.id !== domain.id && current.status === 'verified' && domain.status !== 'verified') return;
    this.byName.set(domain.name, domain);
  }

  /** The default domain, or a domain some org has verified. */
  isHosted(name: string): boolean {
    const d = this.byName.get(name.toLowerCase());
    if (!d) return name.toLowerCase() === this.defaultDomain;
    return d.orgId === null || d.status === 'verified';
  }

  /** May `orgId` create inboxes on `name`? The default domain, or its own verified domain. */
  usableBy(name: string, orgId: string): boolean {
    const lower = name.toLowerCase();
    if (lower === this.defaultDomain) return true;
    const d = this.byName.get(lower);
    return !!d && d.orgId === orgId && d.status === 'verified';
  }

  /** The org that verified `name`; null for the default domain and unknown names. */
  verifiedOwner(name: string): string | null {
    const d = this.byName.get(name.toLowerCase());
    return d && d.orgId !== null && d.status === 'verified' ? d.orgId : null;
  }

  get(name: string): Domain | null {
    return this.byName.get(name.toLowerCase()) ?? null;
  }

  /**
   * Signing options for mail from `name`, or null when the domain has no key here. The key is
   * sealed as stored: the registry keeps no plain private key in memory.
   */
  signer(name: string): DkimSigner | null {
    const d = this.byName.get(name.toLowerCase());
    if (!d || !(d.orgId === null || d.status === 'verified')) return null;
    return { domainId: d.id, domain: d.name, selector: d.dkimSelector, sealedKey: d.dkimPrivateKey, algorithm: d.dkimAlgorithm };
  }
}
