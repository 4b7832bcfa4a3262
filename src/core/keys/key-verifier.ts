import { LRUCache } from 'lru-cache';
import type { ApiKey, Plan } from '../model.ts';
import type { Clock, Store } from '../ports.ts';
import { hashKey, isWellFormedKey } from './api-keys.ts';

export interface KeyVerifierOptions {
  store: Store;
  clock: Clock;
  /** How long a verified key is trusted without asking the store again. */
  ttlMs?: number;
  maxKeys?: number;
  /** Unknown keys are remembered too, so a storm of bad keys never reaches the store. */
  negativeTtlMs?: number;
  maxNegative?: number;
  /**
   * A synchronous SHA-256 hex of the key, when the runtime has one (Node's is ~15× faster than
   * Web Crypto's async digest, and this runs on every request). Defaults to Web Crypto.
   */
  hashSync?: (key: string) => string;
  /** Told of each revocation made on this process: the scale-out shape publishes it to the others. */
  onEvict?: (hash: string) => void;
}

export interface VerifiedKey {
  key: ApiKey;
  plan: Plan;
}

export type KeyCheck = { ok: true; key: ApiKey; plan: Plan } | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' };

/**
 * Verifies API keys through bounded LRU caches keyed by the key's hash (the plain key is never
 * kept). A revocation on this process evicts at once; other processes learn it by pub/sub in
 * the scale-out shape, or when the entry's short TTL runs out.
 */
export class KeyVerifier {
  private readonly positive: LRUCache<string, VerifiedKey>;
  private readonly negative: LRUCache<string, 'unknown' | 'revoked'>;
  private readonly inflight = new Map<string, Promise<VerifiedKey | null>>();

  constructor(private readonly o: KeyVerifierOptions) {
    this.positive = new LRUCache({ max: o.maxKeys ?? 50_000, ttl: o.ttlMs ?? 30_000, ttlAutopurge: false });
    this.negative = new LRUCache({ max: o.maxNegative ?? 100_000, ttl: o.negativeTtlMs ?? 60_000, ttlAutopurge: false });
  }

  private hash(plain: string): string | Promise<string> {
    return this.o.hashSync ? this.o.hashSync(plain) : hashKey(plain);
  }

  /**
   * The answer without any I/O when the cache has one: a known key, a remembered bad key, or
   * a malformed one. null means the store must be asked (`verify`).
   */
  cached(plain: string): KeyCheck | null {
    if (!isWellFormedKey(plain)) return { ok: false, reason: 'malformed' };
    if (!this.o.hashSync) return null;
    return this.fromCache(this.o.hashSync(plain));
  }

  private fromCache(hash: string): KeyCheck | null {
    const hit = this.positive.get(hash);
    if (hit) return { ok: true, key: hit.key, plan: hit.plan };
    const miss = this.negative.get(hash);
    if (miss) return { ok: false, reason: miss };
    return null;
  }

  /**
   * Asks the store when the cache has no answer. `gate` wraps the store query itself (the
   * in-flight gate): concurrent requests with one uncached key share a single query, so they
   * must share a single slot too, or a storm of one cold key sheds every other caller.
   */
  async verify(plain: string, gate?: <T>(query: () => Promise<T>) => Promise<T>): Promise<KeyCheck> {
    if (!isWellFormedKey(plain)) return { ok: false, reason: 'malformed' };
    const hash = await this.hash(plain);
    const cached = this.fromCache(hash);
    if (cached) return cached;
    // Concurrent requests with the same uncached key share one store query.
    let pending = this.inflight.get(hash);
    if (!pending) {
      pending = (gate ? gate(() => this.load(hash)) : this.load(hash)).finally(() => this.inflight.delete(hash));
      this.inflight.set(hash, pending);
    }
    const found = await pending;
    // Revoked while the lookup ran: the eviction wins over what the store said a moment before.
    if (this.negative.get(hash) === 'revoked') return { ok: false, reason: 'revoked' };
    if (!found) {
      this.negative.set(hash, 'unknown');
      return { ok: false, reason: 'unknown' };
    }
    if (found.key.revokedAt !== null) {
      this.negative.set(hash, 'revoked');
      return { ok: false, reason: 'revoked' };
    }
    this.positive.set(hash, found);
    return { ok: true, key: found.key, plan: found.plan };
  }

  private async load(hash: string): Promise<VerifiedKey | null> {
    const key = await this.o.store.getKeyByHash(hash);
    if (!key) return null;
    const org = await this.o.store.getOrg(key.orgId);
    return { key, plan: org?.plan ?? 'free' };
  }

  /**
   * Forget a key by hash (revocation): it fails on this process at once. `peer`: another process
   * revoked it and told us, so `onEvict` is not called again.
   */
  evict(hash: string, origin: 'here' | 'peer' = 'here'): void {
    this.positive.delete(hash);
    this.negative.set(hash, 'revoked');
    if (origin === 'here') this.o.onEvict?.(hash);
  }

  /** Forget every verified key, so each is read again: after revocations may have been missed. */
  forgetVerified(): void {
    this.positive.clear();
  }
}
