/**
 * The quarantine registry of the edge shape: the QuarantineRegistry Durable Object holds the
 * authoritative entries; each isolate keeps a copy in memory (checks stay synchronous, on every
 * request and inbound message) and refreshes it once `ttlMs` has passed, in the background of
 * the check that noticed. A change made in this isolate applies to its copy at once; one made
 * elsewhere arrives within `ttlMs` plus a round trip.
 *
 * Failure, as the Redis variant: the registry unreachable, checks go on answering from the last
 * copy, so an entry already known keeps barring (fail closed) until its own expiry; the next
 * check after `ttlMs` tries again. `load()` is the exception: with no copy at all an isolate
 * cannot tell a quarantined key from a clean one, so it rejects, and the request that built the
 * edge fails rather than letting everything through.
 */
import type { Clock, Logger } from '../../../core/ports.ts';
import type { QuarantineEntry, QuarantineKind, QuarantineRegistry } from '../../../core/quarantine/quarantine.ts';
import type { QuarantineRegistry as RegistryObject, RegistryVersion } from '../../../runtime/workers/objects/quarantine-registry.ts';
import { MemoryQuarantine } from '../memory/memory-quarantine.ts';

/** The registry is one object; its name is fixed so every isolate reaches the same one. */
const REGISTRY = 'registry';

export interface DurableObjectQuarantineOptions {
  /** The QUARANTINE binding. */
  namespace: DurableObjectNamespace<RegistryObject>;
  clock: Clock;
  /** Age of the local copy after which a check refreshes it; default 2,000 ms. */
  ttlMs?: number;
  /** Told of refreshes that failed (the copy is kept). */
  logger?: Pick<Logger, 'warn'>;
  /** Called when a lookup finds an entry that has expired (for quarantine.removed events). */
  onExpire?: (entry: QuarantineEntry) => void;
}

export class DurableObjectQuarantine implements QuarantineRegistry {
  readonly #o: DurableObjectQuarantineOptions;
  readonly #ttlMs: number;
  #local: MemoryQuarantine;
  /** The registry version the copy reflects in full; null before the first load. */
  #version: RegistryVersion | null = null;
  /** The newest version of this isolate's own changes: an older snapshot would undo them. */
  #floor: RegistryVersion | null = null;
  /** When the last refresh started (on `clock`): at most one per `ttlMs`, even if it hangs. */
  #attemptAt = -Infinity;

  constructor(options: DurableObjectQuarantineOptions) {
    this.#o = options;
    this.#ttlMs = options.ttlMs ?? 2000;
    if (!(Number.isSafeInteger(this.#ttlMs) && this.#ttlMs > 0)) throw new RangeError(`ttlMs must be a positive integer, got ${this.#ttlMs}`);
    this.#local = new MemoryQuarantine({ clock: options.clock, onExpire: options.onExpire });
  }

  /** Loads the registry; rejects if it is unreachable (see the file comment). */
  async load(): Promise<void> {
    this.#attemptAt = this.#o.clock();
    await this.#refresh();
  }

  check(kind: QuarantineKind, target: string, lane: 'inbound' | 'outbound' | 'control'): QuarantineEntry | null {
    this.#refreshIfStale();
    return this.#local.check(kind, target, lane);
  }

  list(filter?: { orgId?: string }): QuarantineEntry[] {
    this.#refreshIfStale();
    return this.#local.list(filter);
  }

  get(id: string): QuarantineEntry | null {
    return this.#local.get(id);
  }

  async add(entry: QuarantineEntry): Promise<void> {
    const version = await this.#stub().add(entry);
    this.#own(version);
    await this.#local.add(entry);
  }

  async remove(id: string): Promise<QuarantineEntry | null> {
    const { entry, version } = await this.#stub().remove(id);
    this.#own(version);
    // Removed here too when the registry no longer had it (expired, or removed by another isolate).
    await this.#local.remove(id);
    return entry;
  }

  #stub() {
    return this.#o.namespace.getByName(REGISTRY);
  }

  #refreshIfStale(): void {
    const now = this.#o.clock();
    if (now - this.#attemptAt < this.#ttlMs) return;
    this.#attemptAt = now;
    // In the background of this request: never awaited by another one, so a refresh cut off
    // with its request leaves nothing hanging; the next check after ttlMs tries again.
    this.#refresh().catch((err: unknown) => {
      this.#o.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'quarantine refresh failed: keeping the last copy');
    });
  }

  async #refresh(): Promise<void> {
    const snapshot = await this.#stub().snapshot(this.#o.clock(), this.#version);
    const { version, entries } = snapshot;
    if (entries === null) return;
    const local = new MemoryQuarantine({ clock: this.#o.clock, onExpire: this.#o.onExpire });
    for (const e of entries) await local.add(e);
    // Checked last: a snapshot read before one of this isolate's own changes landed would drop it.
    const floor = this.#floor;
    if (floor !== null && floor.epoch === version.epoch && version.n < floor.n) return;
    // Swapped whole, so a check never sees a half-built copy.
    this.#local = local;
    this.#version = version;
  }

  /**
   * Notes a change this isolate made. The copy stays "in full" at the new version only if it was
   * at the version just before: otherwise a change from elsewhere came between, and the next
   * refresh must fetch the entries rather than hear "current".
   */
  #own(version: RegistryVersion): void {
    const known = this.#version;
    if (known !== null && known.epoch === version.epoch && known.n === version.n - 1) this.#version = version;
    if (this.#floor === null || this.#floor.epoch !== version.epoch || this.#floor.n < version.n) this.#floor = version;
  }
}
