import { abortAllDurableObjects } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import type { QuarantineEntry } from '../../../core/quarantine/quarantine.ts';
import { DurableObjectQuarantine } from './durable-object-quarantine.ts';

describe('DurableObjectQuarantine', () => {
  // Every test shares the one registry object, so each uses its own org and targets.
  let t = 1_700_000_000_000;
  const clock = () => t;
  const ttlMs = 2000;
  const run = crypto.randomUUID().slice(0, 8);
  let seq = 0;

  /** Ids sort by creation, as real ones do (list is newest first). */
  function entry(over: Partial<QuarantineEntry> = {}): QuarantineEntry {
    const n = ++seq;
    return {
      id: `qrn_${run}_${String(n).padStart(4, '0')}`, kind: 'key', target: `key_${crypto.randomUUID()}`, lane: 'outbound',
      reason: 'test', source: 'operator', orgId: `org_${crypto.randomUUID()}`, createdAt: t, expiresAt: null, ...over,
    };
  }

  /** One isolate's view of the registry. */
  async function isolate(namespace = env.QUARANTINE) {
    const registry = new DurableObjectQuarantine({ namespace, clock, ttlMs });
    await registry.load();
    return registry;
  }

  it('sets, gets and lists an entry, at once in this isolate', async () => {
    const a = await isolate();
    const e = entry();
    await a.add(e);
    expect(a.check('key', e.target, 'outbound')).toEqual(e);
    expect(a.get(e.id)).toEqual(e);
    const second = entry({ orgId: e.orgId });
    await a.add(second);
    expect(a.list({ orgId: e.orgId as string }).map((x) => x.id)).toEqual([second.id, e.id]);
  });

  it('bars only the lanes an entry names', async () => {
    const a = await isolate();
    const outbound = entry();
    const both = entry({ lane: 'both' });
    const inbound = entry({ kind: 'domain', target: 'Loop.Example', lane: 'inbound', orgId: null });
    for (const e of [outbound, both, inbound]) await a.add(e);
    expect([a.check('key', outbound.target, 'outbound'), a.check('key', outbound.target, 'inbound'), a.check('key', outbound.target, 'control')].map((x) => x?.id ?? null)).toEqual([outbound.id, null, null]);
    expect([a.check('key', both.target, 'outbound'), a.check('key', both.target, 'inbound'), a.check('key', both.target, 'control')].map((x) => x?.id ?? null)).toEqual([both.id, both.id, both.id]);
    // Domains are kept in lower case, in the registry as in the copy.
    const b = await isolate();
    expect(b.check('domain', 'loop.example', 'inbound')?.id).toBe(inbound.id);
    expect(b.check('domain', 'loop.example', 'outbound')).toBeNull();
  });

  it('reaches another isolate once its copy is older than the TTL', async () => {
    const [a, b] = [await isolate(), await isolate()];
    const e = entry();
    await a.add(e);
    expect(b.check('key', e.target, 'outbound')).toBeNull(); // b's copy is fresh, so it has not asked yet
    t += ttlMs;
    expect(b.check('key', e.target, 'outbound')).toBeNull(); // this check starts the refresh, answers from the copy
    await vi.waitFor(() => expect(b.check('key', e.target, 'outbound')).toEqual(e));
    expect(await b.remove(e.id)).toEqual(e);
    expect(b.check('key', e.target, 'outbound')).toBeNull();
    t += ttlMs;
    a.check('key', e.target, 'outbound');
    await vi.waitFor(() => expect(a.get(e.id)).toBeNull());
  });

  it('expires entries on the clock, in every copy and in the registry', async () => {
    const a = await isolate();
    const e = entry({ expiresAt: t + 60_000 });
    await a.add(e);
    t += 59_999;
    expect(a.check('key', e.target, 'outbound')).toEqual(e);
    t += 1;
    expect(a.check('key', e.target, 'outbound')).toBeNull();
    expect(a.list({ orgId: e.orgId as string })).toEqual([]);
    const b = await isolate();
    expect(b.get(e.id)).toBeNull();
    expect(await b.remove(e.id)).toBeNull();
  });

  it('keeps entries across a restart of the registry object', async () => {
    const a = await isolate();
    const e = entry();
    await a.add(e);
    await abortAllDurableObjects();
    const b = await isolate();
    expect(b.check('key', e.target, 'outbound')).toEqual(e);
    // a's version belongs to the old instance: its next refresh reloads in full and still has e.
    const later = entry();
    await b.add(later);
    t += ttlMs;
    a.check('key', later.target, 'outbound');
    await vi.waitFor(() => expect(a.check('key', later.target, 'outbound')).toEqual(later));
    expect(a.check('key', e.target, 'outbound')).toEqual(e);
  });

  it('fails closed: keeps barring from its last copy while the registry is unreachable, and cannot load without it', async () => {
    let down = false;
    const broken = { snapshot: async () => { throw new Error('registry unreachable'); } };
    const namespace = { getByName: (name: string) => (down ? broken : env.QUARANTINE.getByName(name)) } as unknown as typeof env.QUARANTINE;
    const a = await isolate(namespace);
    const e = entry();
    await a.add(e);
    down = true;
    t += ttlMs;
    expect(a.check('key', e.target, 'outbound')).toEqual(e);
    await new Promise((r) => setTimeout(r, 10)); // let the failed refresh settle
    expect(a.check('key', e.target, 'outbound')).toEqual(e);
    await expect(isolate(namespace)).rejects.toThrow('registry unreachable');
  });
});
