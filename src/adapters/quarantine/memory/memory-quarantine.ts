import type { Clock } from '../../../core/ports.ts';
import {
  laneBlocked, type QuarantineEntry, type QuarantineKind, type QuarantinePersistence, type QuarantineRegistry,
} from '../../../core/quarantine/quarantine.ts';

export interface MemoryQuarantineOptions {
  clock: Clock;
  /** Where entries are kept across restarts; none keeps them in memory only (tests). */
  persistence?: QuarantinePersistence;
  /** Called when a lookup finds an entry that has expired (for quarantine.removed events). */
  onExpire?: (entry: QuarantineEntry) => void;
}

/** The registry of one process: a map by kind and target, checked without I/O. */
export class MemoryQuarantine implements QuarantineRegistry {
  private readonly byTarget = new Map<string, QuarantineEntry[]>();
  private readonly byId = new Map<string, QuarantineEntry>();

  constructor(private readonly o: MemoryQuarantineOptions) {}

  /** Loads persisted entries still in force. */
  async load(): Promise<void> {
    if (!this.o.persistence) return;
    for (const e of await this.o.persistence.loadQuarantine(this.o.clock())) this.index(e);
  }

  private index(e: QuarantineEntry): void {
    const k = `${e.kind}:${e.target}`;
    const list = this.byTarget.get(k) ?? [];
    list.push(e);
    this.byTarget.set(k, list);
    this.byId.set(e.id, e);
  }

  private unindex(e: QuarantineEntry): void {
    const k = `${e.kind}:${e.target}`;
    const list = (this.byTarget.get(k) ?? []).filter((x) => x.id !== e.id);
    if (list.length) this.byTarget.set(k, list);
    else this.byTarget.delete(k);
    this.byId.delete(e.id);
  }

  check(kind: QuarantineKind, target: string, lane: 'inbound' | 'outbound' | 'control'): QuarantineEntry | null {
    if (this.byTarget.size === 0) return null;
    const list = this.byTarget.get(`${kind}:${target}`);
    if (!list) return null;
    const now = this.o.clock();
    for (const e of list) {
      if (e.expiresAt !== null && e.expiresAt <= now) {
        this.expire(e);
        continue;
      }
      if (laneBlocked(e.lane, lane)) return e;
    }
    return null;
  }

  private expire(e: QuarantineEntry): void {
    this.unindex(e);
    void this.o.persistence?.deleteQuarantine(e.id).catch(() => {});
    this.o.onExpire?.(e);
  }

  async add(entry: QuarantineEntry): Promise<void> {
    await this.o.persistence?.saveQuarantine(entry);
    this.index({ ...entry, target: entry.kind === 'domain' ? entry.target.toLowerCase() : entry.target });
  }

  async remove(id: string): Promise<QuarantineEntry | null> {
    const e = this.byId.get(id);
    if (!e) return null;
    await this.o.persistence?.deleteQuarantine(id);
    this.unindex(e);
    return e;
  }

  get(id: string): QuarantineEntry | null {
    const e = this.byId.get(id);
    if (!e) return null;
    if (e.expiresAt !== null && e.expiresAt <= this.o.clock()) {
      this.expire(e);
      return null;
    }
    return e;
  }

  list(filter: { orgId?: string } = {}): QuarantineEntry[] {
    const now = this.o.clock();
    const out: QuarantineEntry[] = [];
    for (const e of [...this.byId.values()]) {
      if (e.expiresAt !== null && e.expiresAt <= now) {
        this.expire(e);
        continue;
      }
      if (filter.orgId === undefined || e.orgId === filter.orgId) out.push(e);
    }
    return out.sort((a, b) => (a.id < b.id ? 1 : -1));
  }
}
