import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { D1ReadOnlyError, D1Store } from '../../adapters/store/d1/d1-store.ts';
import { makeInbox, makeKey, makeOrg, makeStored, outboundWrite, T0, tag } from '../../adapters/store/store-contract-fixtures.ts';
import type { Domain } from '../../core/domains/domain.ts';
import { newId } from '../../core/ids.ts';
import type { ListEntry } from '../../core/inbound/lists.ts';
import { StoreUnavailableError } from '../../core/errors.ts';
import type { BreakwaterEnv } from './env.ts';
import { storeWriterRpc } from './objects/store-writer.ts';
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

/** The D1 binding with a switch that makes every call fail with D1's own words, as the binding does. */
function flakyD1(db: D1Database) {
  const state = { failWith: null as string | null };
  const check = () => {
    if (state.failWith) throw new Error(state.failWith);
  };
  type Wrapped = { real: D1PreparedStatement; all(): Promise<D1Result> };
  const database = {
    prepare: (sql: string) => ({
      bind: (...params: unknown[]): Wrapped => {
        const real = db.prepare(sql).bind(...params);
        return { real, all: async () => (check(), real.all()) };
      },
    }),
    batch: async (statements: Wrapped[]) => (check(), db.batch(statements.map((s) => s.real))),
  } as unknown as D1Database;
  return { database, state };
}

describe('D1 faults', () => {
  it('are StoreUnavailableError (503 / 451 4.3.0 upstream) for D1\'s transient and full-database errors, and pass once they clear', async () => {
    const { database, state } = flakyD1(env.DB);
    const store = new D1Store(database);
    const org = makeOrg();
    for (const words of ['D1_ERROR: Network connection lost.', 'D1_ERROR: D1 DB is overloaded. Too many requests queued.',
      'D1_ERROR: Internal error while starting up D1 DB storage caused object to be reset.', 'D1_ERROR: Exceeded maximum DB size.']) {
      state.failWith = words;
      await expect(store.getOrg(org.id), words).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.createOrg(org, makeKey(org.id)), words).rejects.toBeInstanceOf(StoreUnavailableError);
    }
    // A query D1 refuses for what it says is not the store being down: passed on as it is.
    state.failWith = 'D1_ERROR: no such table: nowhere: SQLITE_ERROR';
    const refused = await store.getOrg(org.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(refused).not.toBeInstanceOf(StoreUnavailableError);
    state.failWith = null;
    await store.createOrg(org, makeKey(org.id));
    expect(await store.getOrg(org.id)).toEqual(org);
  });

  it('reach the isolate through the StoreWriter RPC as StoreUnavailableError, as do the object\'s own resets', async () => {
    const writerAnswering = (write: () => Promise<unknown>) => storeWriterRpc({
      STORE_WRITER: { idFromName: () => ({}), get: () => ({ write }) } as unknown as BreakwaterEnv['STORE_WRITER'],
    });
    const faultInObject = writerAnswering(async () => ({ ok: false, error: { name: 'StoreUnavailableError', message: 'D1_ERROR: Network connection lost.', code: 'store_unavailable' } }));
    const fault = await faultInObject.write('store', 'createOrg', []).catch((e: unknown) => e);
    expect(fault).toBeInstanceOf(StoreUnavailableError);
    expect(((fault as StoreUnavailableError).cause as Error).message).toBe('D1_ERROR: Network connection lost.');
    const objectReset = writerAnswering(async () => { throw new Error('Durable Object reset because its code was updated.'); });
    await expect(objectReset.write('store', 'createOrg', [])).rejects.toBeInstanceOf(StoreUnavailableError);
    const unique = writerAnswering(async () => ({ ok: false, error: { name: 'D1QueryError', message: 'UNIQUE constraint failed', code: 'SQLITE_CONSTRAINT_UNIQUE' } }));
    await expect(unique.write('store', 'createOrg', [])).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' });
    const bug = writerAnswering(async () => { throw new TypeError('not a function'); });
    await expect(bug.write('store', 'createOrg', [])).rejects.toBeInstanceOf(TypeError);
  });
});
