import type { Clock } from '../ports.ts';
import type { Direction } from '../model.ts';
import { ListIndex, type ListDecision, type ListStore } from './lists.ts';

export interface ListRegistryOptions {
  store: ListStore;
  clock: Clock;
  /**
   * How long a cached org stays fresh. Changes made through this process apply at once
   * (`invalidate`); another process's changes apply within this time (scale-out shape).
   */
  ttlMs?: number;
  /** Orgs kept in memory; the least recently used is dropped past it. */
  maxOrgs?: number;
}

interface Cached {
  index: ListIndex;
  loadedAt: number;
  refreshing: boolean;
}

/**
 * The lists of each org in memory, so SMTP and send checks cost no query once warm. The first
 * check of an org loads it (concurrent first checks share one load); a stale org is answered
 * from the old copy while one refresh runs behind it.
 */
export class ListRegistry {
  private readonly cache = new Map<string, Cached>();
  private readonly loading = new Map<string, Promise<ListIndex>>();
  private readonly ttlMs: number;
  private readonly maxOrgs: number;
  /** Bumped by invalidate(): a load that started before the change must not be cached. */
  private generation = new Map<string, number>();

  constructor(private readonly o: ListRegistryOptions) {
    this.ttlMs = o.ttlMs ?? 30_000;
    this.maxOrgs = o.maxOrgs ?? 10_000;
  }

  get store(): ListStore {
    return this.o.store;
  }

  /** The org's entries, indexed. Rejects only when the store does (a fault). */
  async index(orgId: string): Promise<ListIndex> {
    const hit = this.cache.get(orgId);
    if (hit) {
      // Re-insert: Map order is the LRU order.
      this.cache.delete(orgId);
      this.cache.set(orgId, hit);
      if (!hit.refreshing && this.o.clock() - hit.loadedAt > this.ttlMs) {
        hit.refreshing = true;
        this.load(orgId).catch(() => { hit.refreshing = false; });
      }
      return hit.index;
    }
    return this.load(orgId);
  }

  /** Decides one address for one inbox (see ListIndex.decide). */
  async decide(orgId: string, inboxId: string, direction: Direction, address: string): Promise<ListDecision> {
    return (await this.index(orgId)).decide(inboxId, direction, address);
  }

  /** Drops the org's cached lists: the next check reads the store. Call after every change. */
  invalidate(orgId: string): void {
    this.cache.delete(orgId);
    this.loading.delete(orgId);
    this.generation.set(orgId, (this.generation.get(orgId) ?? 0) + 1);
  }

  private load(orgId: string): Promise<ListIndex> {
    const pending = this.loading.get(orgId);
    if (pending) return pending;
    const gen = this.generation.get(orgId) ?? 0;
    const p = this.o.store.loadEntries(orgId).then((entries) => {
      const index = new ListIndex(entries);
      if ((this.generation.get(orgId) ?? 0) === gen) {
        this.cache.set(orgId, { index, loadedAt: this.o.clock(), refreshing: false });
        while (this.cache.size > this.maxOrgs) this.cache.delete(this.cache.keys().next().value!);
      }
      return index;
    }).finally(() => {
      if (this.loading.get(orgId) === p) this.loading.delete(orgId);
    });
    this.loading.set(orgId, p);
    return p;
  }
}
