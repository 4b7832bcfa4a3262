/**
 * The quarantine registry of the scale-out shape: each process keeps the whole registry in
 * memory (checks stay synchronous, on every request and SMTP command), the store keeps the
 * durable shared copy, and Redis pub/sub tells every process of a change within milliseconds.
 *
 * Redis down: checks go on answering from the last copy (an entry already known keeps barring:
 * fail closed); changes still reach the store, and every process reloads the store every
 * `reloadMs` and after pub/sub reconnects, so a change made meanwhile arrives within `reloadMs`.
 */
import type { Clock, Logger } from '../../../core/ports.ts';
import type { QuarantineEntry, QuarantineKind, QuarantinePersistence, QuarantineRegistry } from '../../../core/quarantine/quarantine.ts';
import type { RedisBus } from '../../pubsub/redis/redis-bus.ts';
import { MemoryQuarantine } from '../memory/memory-quarantine.ts';

const CHANNEL = 'quarantine';

type Change = { from: string; op: 'add'; entry: QuarantineEntry } | { from: string; op: 'remove'; id: string };

export interface RedisQuarantineOptions {
  bus: RedisBus;
  clock: Clock;
  persistence: QuarantinePersistence;
  logger: Logger;
  /** Reload from the store this often, catching changes pub/sub missed; default 10,000 ms. */
  reloadMs?: number;
  /** Called when a lookup finds an entry that has expired. */
  onExpire?: (entry: QuarantineEntry) => void;
}

export class RedisQuarantine implements QuarantineRegistry {
  private readonly local: MemoryQuarantine;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Ids this process added or removed since the running reload read the store: the reload must not undo them. */
  private touched: Set<string> | null = null;
  private reloading: Promise<void> | null = null;

  constructor(private readonly o: RedisQuarantineOptions) {
    // The local copy persists nothing itself: this class writes the store once per change.
    this.local = new MemoryQuarantine({ clock: o.clock, onExpire: o.onExpire });
  }

  /** Loads the store's entries, listens to peers and starts the periodic reload. */
  async load(): Promise<void> {
    this.o.bus.subscribe(CHANNEL, (message) => this.apply(message));
    this.o.bus.onResync(() => void this.reload());
    await this.reload();
    this.timer = setInterval(() => void this.reload(), this.o.reloadMs ?? 10_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Makes the local copy the store's: adds what is new, drops what peers removed. */
  reload(): Promise<void> {
    this.reloading ??= (async () => {
      this.touched = new Set();
      try {
        const entries = await this.o.persistence.loadQuarantine(this.o.clock());
        const ids = new Set(entries.map((e) => e.id));
        for (const e of entries) if (!this.local.get(e.id) && !this.touched.has(e.id)) await this.local.add(e);
        for (const e of this.local.list()) if (!ids.has(e.id) && !this.touched.has(e.id)) await this.local.remove(e.id);
      } catch (err) {
        // Store unreachable: keep the last copy; the next reload tries again.
        this.o.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'quarantine reload failed: keeping the last copy');
      } finally {
        this.touched = null;
        this.reloading = null;
      }
    })();
    return this.reloading;
  }

  private apply(message: string): void {
    const change = JSON.parse(message) as Change;
    if (change.from === this.o.bus.nodeId) return;
    if (change.op === 'add') {
      this.touched?.add(change.entry.id);
      if (!this.local.get(change.entry.id)) void this.local.add(change.entry);
    } else {
      this.touched?.add(change.id);
      void this.local.remove(change.id);
    }
  }

  check(kind: QuarantineKind, target: string, lane: 'inbound' | 'outbound' | 'control'): QuarantineEntry | null {
    return this.local.check(kind, target, lane);
  }

  async add(entry: QuarantineEntry): Promise<void> {
    await this.o.persistence.saveQuarantine(entry);
    this.touched?.add(entry.id);
    await this.local.add(entry);
    this.o.bus.publish(CHANNEL, JSON.stringify({ from: this.o.bus.nodeId, op: 'add', entry } satisfies Change));
  }

  async remove(id: string): Promise<QuarantineEntry | null> {
    const entry = this.local.get(id);
    if (!entry) return null;
    await this.o.persistence.deleteQuarantine(id);
    this.touched?.add(id);
    await this.local.remove(id);
    this.o.bus.publish(CHANNEL, JSON.stringify({ from: this.o.bus.nodeId, op: 'remove', id } satisfies Change));
    return entry;
  }

  list(filter?: { orgId?: string }): QuarantineEntry[] {
    return this.local.list(filter);
  }

  get(id: string): QuarantineEntry | null {
    return this.local.get(id);
  }
}
