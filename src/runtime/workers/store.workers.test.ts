import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { D1ReadOnlyError, D1Store } from '../../adapters/store/d1/d1-store.ts';
import { makeInbox, makeKey, makeOrg, makeStored, outboundWrite, T0, tag } from '../../adapters/store/store-contract-fixtures.ts';
import type { Domain } from '../../core/domains/domain.ts';
import { newId } from '../../core/ids.ts';
import type { ListEntry } from '../../core/inbound/lists.ts';
import { openWorkerStores } from './store.ts';

function domain(orgId: string, name: string): Domain {
  return {
    id: newId('dom'), orgId, name, status: 'pending', dkimSelector: 'bwtest', dkimAlgorithm: 'rsa', dkimPrivateKey: 'MIIE', dkimPublicDns: 'MIIB',
    records: [], createdAt: T0, verifiedAt: null, checkedAt: null,
  };
}

function entry(orgId: string, pattern: string): ListEntry {
  return { id: newId('lst'), orgId, inboxId: null, direction: 'inbound', action: 'block', pattern, note: null, createdAt: T0 };
}

describe('the Worker stores', () => {
  beforeAll(async () => {
    await new D1Store(env.DB).migrate();
  });

  it('keep the isolate\'s own store read-only: every kind of write fails at once, reads answer', async () => {
    const { store, local } = openWorkerStores(env);
    const org = makeOrg();
    const inbox = makeInbox(org.id);
    const item = makeStored(inbox);
    const readOnly = expect.any(D1ReadOnlyError);
    await expect(local.createOrg(org, makeKey(org.id))).rejects.toEqual(readOnly);
    await expect(local.revokeKey(org.id, 'key_x', T0)).rejects.toEqual(readOnly);
    await expect(local.migrate()).rejects.toEqual(readOnly);
    await expect(local.deliverability.putSuppression({ id: newId('sup'), orgId: org.id, address: 'a@example.com', reason: 'manual', source: 'api', messageId: null, createdAt: T0, expiresAt: null })).rejects.toEqual(readOnly);
    await expect(local.lists.insertEntry(entry(org.id, 'example.com'))).rejects.toEqual(readOnly);
    expect(await local.getOrg(org.id)).toBeNull();

    await store.createOrg(org, makeKey(org.id));
    await store.insertInbox(inbox);
    await store.createOutbound(outboundWrite(item, `q-${tag()}`));
    expect(await local.getOrg(org.id)).toEqual(org);
    // Bodies live in R2, written outside any transaction: the read-only store refuses those too.
    await expect(local.deliverability.saveSignedRaw(item.message.id, new Uint8Array(1))).rejects.toEqual(readOnly);
    await expect(local.deleteInbox(org.id, inbox.id)).rejects.toEqual(readOnly);
    expect(await local.getRaw(item.message.id)).toEqual(item.raw);
  });

  it('write deliverability through the StoreWriter and read it back locally', async () => {
    const { store, deliverability } = openWorkerStores(env);
    const org = makeOrg();
    await store.createOrg(org, makeKey(org.id));
    const name = `d-${tag()}.example.com`;
    expect(await deliverability.insertDomain(domain(org.id, name))).toBe(true);
    expect(await deliverability.insertDomain(domain(org.id, name))).toBe(false);
    await deliverability.putSuppression({ id: newId('sup'), orgId: org.id, address: 'gone@example.com', reason: 'manual', source: 'api', messageId: null, createdAt: T0, expiresAt: null });
    expect(await deliverability.suppressedAmong(org.id, ['gone@example.com', 'here@example.com'], T0)).toEqual(new Set(['gone@example.com']));
    expect(await deliverability.deleteSuppression(org.id, 'gone@example.com')).toBe(true);

    const inbox = makeInbox(org.id);
    await store.insertInbox(inbox);
    const item = makeStored(inbox);
    await store.createOutbound(outboundWrite(item, `q-${tag()}`));
    await deliverability.saveSignedRaw(item.message.id, new TextEncoder().encode('signed'));
    expect(await store.getRaw(item.message.id)).toEqual(new TextEncoder().encode('signed'));
    await deliverability.recordReputation({
      row: { inboxId: inbox.id, orgId: org.id, state: 'healthy', since: T0, cleanRun: 1, recent: [{ id: item.message.id, bounced: false }], updatedAt: T0 },
      day: 19_000, delta: { sent: 1, delivered: 0, bounced: 0, complained: 0 }, event: null,
    });
    const { row, days } = await deliverability.loadReputation(inbox.id, 19_000);
    expect(row?.recent).toEqual([{ id: item.message.id, bounced: false }]);
    expect(days).toEqual([{ day: 19_000, counts: { sent: 1, delivered: 0, bounced: 0, complained: 0 } }]);
  });

  it('serialise list entry writes from several isolates: concurrent creates of one entry store it once', async () => {
    // Two compositions stand for two isolates. Each create reads, decides, then batches its insert:
    // written straight to D1, unserialised, all six pass the read and six rows commit.
    const [a, b] = [openWorkerStores(env), openWorkerStores(env)];
    const org = makeOrg();
    await a.store.createOrg(org, makeKey(org.id));
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).lists.insertEntry(entry(org.id, 'spam.example'))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const page = await a.lists.pageEntries(org.id, { limit: 10 });
    expect(page.data).toHaveLength(1);
    for (const r of results) if (!r.ok) expect(r.existing.id).toBe(page.data[0]!.id);
    expect(await b.lists.deleteEntry(org.id, page.data[0]!.id)).toMatchObject({ pattern: 'spam.example' });
    expect(await a.lists.countEntries(org.id)).toBe(0);
  });
});
