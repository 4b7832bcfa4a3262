/**
 * Allow and block lists (DESIGN §1 "Inbound control"): entries per inbox or org and per
 * direction, by address or domain, and the pure decision of which entry applies.
 *
 * Precedence, most specific first: inbox + address > inbox + domain > org + address > org +
 * domain. Within "domain", an exact domain beats a `*.` wildcard and a longer wildcard beats a
 * shorter one. Two entries can only tie when they share scope and pattern (a race between two
 * creates): then block wins, because a list is a safety control and failing closed is the
 * safer error. With no matching entry, mail is allowed, unless an allow entry applies to this
 * inbox and direction (its own or org-wide): then the list is an allow list and the rest is refused.
 */
import { isValidAddress } from '../../mail/address.ts';
import type { Direction, Page } from '../model.ts';
import type { ListOptions } from '../ports.ts';

export type ListAction = 'allow' | 'block';

/** One list entry; `inboxId` null means the whole org. */
export interface ListEntry {
  id: string;
  orgId: string;
  inboxId: string | null;
  direction: Direction;
  action: ListAction;
  /** Lower case: `user@example.com`, `example.com`, or `*.example.com` (subdomains, not the domain itself). */
  pattern: string;
  note: string | null;
  createdAt: number;
}

export interface ListFilter {
  /** Entries of these inboxes only (an inbox-scoped key); `org` entries are then excluded. */
  inboxIds?: string[];
  /** One inbox's entries, or 'org' for the org-wide ones. */
  scope?: string;
  direction?: Direction;
}

/**
 * Where entries are kept: the primary database (src/adapters/store/sql/lists-store.ts). The hot
 * path never reads it: ListRegistry caches each org's entries in memory.
 */
export interface ListStore {
  /** Every entry of an org, for the in-memory cache. */
  loadEntries(orgId: string): Promise<ListEntry[]>;
  /** Newest first, cursor paged. */
  pageEntries(orgId: string, options: ListOptions & ListFilter): Promise<Page<ListEntry>>;
  /** Stores `entry` unless one with the same scope, direction and pattern exists: then returns that one. */
  insertEntry(entry: ListEntry): Promise<{ ok: true } | { ok: false; existing: ListEntry }>;
  countEntries(orgId: string): Promise<number>;
  getEntry(orgId: string, id: string): Promise<ListEntry | null>;
  deleteEntry(orgId: string, id: string): Promise<ListEntry | null>;
}

export type PatternKind = 'address' | 'domain' | 'wildcard';

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

/** The canonical form of a pattern and its kind, or null when it is neither an address nor a domain. */
export function normalizePattern(input: string): { pattern: string; kind: PatternKind } | null {
  const p = input.trim().toLowerCase().replace(/\.$/, '');
  if (p.includes('@')) return isValidAddress(p) ? { pattern: p, kind: 'address' } : null;
  if (p.startsWith('*.')) return DOMAIN.test(p.slice(2)) ? { pattern: p, kind: 'wildcard' } : null;
  return DOMAIN.test(p) ? { pattern: p, kind: 'domain' } : null;
}

/** The answer for one address: the entry that decided it, or why mail passes or not without one. */
export type ListDecision =
  | { allowed: true; entry: ListEntry | null }
  | { allowed: false; entry: ListEntry | null; rule: string };

/** Entries of one org, indexed for lookups by scope (inbox id or '*') and direction. */
export class ListIndex {
  private readonly buckets = new Map<string, { exact: Map<string, ListEntry>; allows: number }>();

  constructor(entries: readonly ListEntry[]) {
    for (const e of entries) {
      const key = `${e.inboxId ?? '*'}|${e.direction}`;
      let b = this.buckets.get(key);
      if (!b) this.buckets.set(key, (b = { exact: new Map(), allows: 0 }));
      const prior = b.exact.get(e.pattern);
      // A tie (same scope and pattern) resolves to block: see the module comment.
      if (!prior || (prior.action === 'allow' && e.action === 'block')) b.exact.set(e.pattern, e);
      if (e.action === 'allow') b.allows++;
    }
  }

  get size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.exact.size;
    return n;
  }

  /** Decides whether mail between `address` and inbox `inboxId` may pass in `direction`. */
  decide(inboxId: string, direction: Direction, address: string): ListDecision {
    const scopes = [this.buckets.get(`${inboxId}|${direction}`), this.buckets.get(`*|${direction}`)];
    const candidates = addressCandidates(address);
    for (const bucket of scopes) {
      if (!bucket) continue;
      for (const pattern of candidates) {
        const entry = bucket.exact.get(pattern);
        if (!entry) continue;
        if (entry.action === 'allow') return { allowed: true, entry };
        return { allowed: false, entry, rule: describeEntry(entry) };
      }
    }
    if (scopes.some((b) => b && b.allows > 0)) {
      return { allowed: false, entry: null, rule: `${direction} allow list (${scopes[0]?.allows ? 'inbox' : 'org'} list): ${address || 'an empty sender'} is not on it` };
    }
    return { allowed: true, entry: null };
  }
}

/**
 * Patterns that could match `address`, most specific first: the address, the address without
 * its `+tag` (so blocking bob@x also blocks bob+promo@x), the domain, then `*.` wildcards of
 * each parent domain, longest first.
 */
export function addressCandidates(address: string): string[] {
  const a = address.trim().toLowerCase().replace(/\.$/, '');
  const at = a.lastIndexOf('@');
  if (at <= 0) return [];
  const local = a.slice(0, at);
  const domain = a.slice(at + 1);
  const out = [a];
  const plus = local.indexOf('+');
  if (plus > 0) out.push(`${local.slice(0, plus)}@${domain}`);
  out.push(domain);
  const labels = domain.split('.');
  // `*.example.com` covers subdomains at any depth but not example.com itself; no wildcard of a bare TLD.
  for (let i = 1; i <= labels.length - 2; i++) out.push(`*.${labels.slice(i).join('.')}`);
  return out;
}

/**
 * How an entry reads in a refusal's `rule`: `inbound block *.example.com (inbox list)`. No ids:
 * the SMTP reply goes to outside senders; the API's `fix` names the entry id.
 */
export function describeEntry(e: ListEntry): string {
  return `${e.direction} ${e.action} ${e.pattern} (${e.inboxId ? 'inbox' : 'org'} list)`;
}
