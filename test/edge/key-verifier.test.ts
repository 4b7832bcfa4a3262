/**
 * KeyVerifier races the route tests cannot time: a revocation landing while the store lookup of
 * the same key is still running, and the in-flight gate wrapping that one shared lookup.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BreakwaterError } from '../../src/core/errors.ts';
import { KeyVerifier } from '../../src/core/keys/key-verifier.ts';
import type { ApiKey } from '../../src/core/model.ts';
import type { Store } from '../../src/core/ports.ts';
import { InFlightGate } from '../../src/http/edge/in-flight-gate.ts';

const PLAIN = `bw_${'k'.repeat(32)}`;
const hashSync = (key: string) => createHash('sha256').update(key).digest('hex');
const HASH = hashSync(PLAIN);
const KEY: ApiKey = { id: 'key_1', orgId: 'org_1', name: 'k', hash: HASH, prefix: 'bw_kkkk', scope: 'org', inboxIds: [], createdAt: 0, revokedAt: null };

const tick = () => new Promise((r) => setImmediate(r));

/** A store whose key lookups wait until the test releases them. */
function slowStore() {
  const waiting: Array<() => void> = [];
  let lookups = 0;
  const store = {
    getKeyByHash: (hash: string) => {
      lookups++;
      return new Promise<ApiKey | null>((resolve) => waiting.push(() => resolve(hash === HASH ? KEY : null)));
    },
    getOrg: async () => ({ id: 'org_1', name: 'o', plan: 'pro' as const, createdAt: 0 }),
  } as unknown as Store;
  return { store, release: () => waiting.splice(0).forEach((go) => go()), lookups: () => lookups };
}

describe('KeyVerifier', () => {
  it('does not cache as valid a key revoked while its lookup ran', async () => {
    const s = slowStore();
    const v = new KeyVerifier({ store: s.store, clock: () => 0, hashSync });
    const pending = v.verify(PLAIN);
    await tick();
    // DELETE /v1/keys/:id commits and evicts while the lookup (which read the row before) is out.
    v.evict(HASH);
    s.release();
    expect(await pending).toEqual({ ok: false, reason: 'revoked' });
    expect(v.cached(PLAIN)).toEqual({ ok: false, reason: 'revoked' });
    expect(await v.verify(PLAIN)).toEqual({ ok: false, reason: 'revoked' });
    expect(s.lookups()).toBe(1);
  });

  it('runs one shared lookup under one slot of the in-flight gate', async () => {
    const s = slowStore();
    const v = new KeyVerifier({ store: s.store, clock: () => 0, hashSync });
    const gate = new InFlightGate(2);
    const run = <T>(query: () => Promise<T>) => gate.run(query);
    const checks = Array.from({ length: 50 }, () => v.verify(PLAIN, run));
    await tick();
    expect(gate.inFlight).toBe(1);
    // The other slot is still free for someone else's request.
    const other = gate.run(async () => 'served');
    s.release();
    expect(await other).toBe('served');
    for (const c of await Promise.all(checks)) expect(c).toMatchObject({ ok: true, key: { id: 'key_1' }, plan: 'pro' });
    expect(s.lookups()).toBe(1);
    expect(gate.shed).toBe(0);
  });

  it('answers every waiter overloaded when the one lookup is shed, and looks again next time', async () => {
    const s = slowStore();
    const v = new KeyVerifier({ store: s.store, clock: () => 0, hashSync });
    const full = new InFlightGate(0);
    const shed = await Promise.allSettled(Array.from({ length: 5 }, () => v.verify(PLAIN, (q) => full.run(q))));
    for (const r of shed) expect(r.status === 'rejected' && r.reason instanceof BreakwaterError && r.reason.code).toBe('overloaded');
    expect(full.shed).toBe(1);
    const again = v.verify(PLAIN);
    await tick();
    s.release();
    expect(await again).toMatchObject({ ok: true });
  });
});
