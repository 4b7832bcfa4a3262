import { LRUCache } from 'lru-cache';
import type { ApiKey } from '../model.ts';
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
}

export type KeyCheck = { ok: true; key: ApiKey } | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' };

/**
 * Verifies API keys through a bounded LRU cache keyed by the key's hash. A revocation on this
 * process evicts at once; on other processes, the scale-out shape publishes the eviction.
 */
export class KeyVerifier {
  private readonly positive: LRUCache<string, ApiKey>;
  private readonly negative: LRUCache<string, 'unknown' | 'revoked'>;
  private readonly inflight = new Map<string, Promise<ApiKey | null>>();

  constructor(private readonly o: KeyVerifierOptions) {
    this.positive = new LRUCache({ max: o.maxKeys ?? 50_000, ttl: o.ttlMs ?? 30_000, ttlAutopurge: false });
    this.negative = new LRUCache({ max: o.maxNegative ?? 100_000, ttl: o.negativeTtlMs ?? 60_000, ttlAutopurge: false });
  }

  async verify(plain: string): Promise<KeyCheck> {
    if (!isWellFormedKey(plain)) return { ok: false, reason: 'malformed' };
    const hash = await hashKey(plain);
    const hit = this.positive.get(hash);
    if (hit) return { ok: true, key: hit };
    const miss = this.negative.get(hash);
    if (miss) return { ok: false, reason: miss };
    // Concurrent requests with the same uncached key share one store query.
    let pending = this.inflight.get(hash);
    if (!pending) {
      pending = this.o.store.getKeyByHash(hash).finally(() => this.inflight.delete(hash));
      this.inflight.set(hash, pending);
    }
    const key = await pending;
    if (!key) {
      this.negative.set(hash, 'unknown');
      return { ok: false, reason: 'unknown' };
    }
    if (key.revokedAt !== null) {
      this.negative.set(hash, 'revoked');
      return { ok: false, reason: 'revoked' };
    }
    this.positive.set(hash, key);
    return { ok: true, key };
  }

  /** Forget a key by hash (revocation, scope change). */
  evict(hash: string): void {
    this.positive.delete(hash);
    this.negative.set(hash, 'revoked');
  }
}
