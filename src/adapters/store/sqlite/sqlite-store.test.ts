import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '../../../core/ids.ts';
import type { ApiKey } from '../../../core/model.ts';
import { storeContract } from '../store-contract.ts';
import { SqliteStore } from './sqlite-store.ts';

function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bw-sqlite-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

storeContract('SQLite file (WAL)', async () => {
  const tmp = tempDir();
  const store = new SqliteStore({ filename: join(tmp.dir, 'store.db') });
  await store.migrate();
  return {
    store,
    async cleanup() {
      await store.close();
      tmp.remove();
    },
  };
});

storeContract('SQLite :memory:', async () => {
  const store = new SqliteStore({ filename: ':memory:' });
  await store.migrate();
  return { store, cleanup: () => store.close() };
});

describe('SqliteStore', () => {
  const open: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of open.splice(0)) await close();
  });

  async function fileStore() {
    const tmp = tempDir();
    const filename = join(tmp.dir, 'store.db');
    const store = new SqliteStore({ filename });
    await store.migrate();
    open.push(async () => {
      await store.close().catch(() => {});
      tmp.remove();
    });
    return { store, filename };
  }

  const key = (orgId: string, hash: string): ApiKey => ({
    id: newId('key'), orgId, name: 'k', hash, prefix: 'bw_abcd', scope: 'org', inboxIds: [], createdAt: Date.now(), revokedAt: null,
  });

  it('opens the file in WAL mode with full sync', async () => {
    const { store } = await fileStore();
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
    expect(mode.rows[0]?.journal_mode).toBe('wal');
    const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db);
    expect(sync.rows[0]?.synchronous).toBe(2); // FULL
  });

  it('sizes its page cache as configured (KiB, negative: a size, not a page count)', async () => {
    const sized = new SqliteStore({ filename: ':memory:', cacheMb: 4 });
    const cache = await sql<{ cache_size: number }>`pragma cache_size`.execute(sized.db);
    expect(cache.rows[0]?.cache_size).toBe(-4096);
    await sized.close();
  });

  it('keeps what it acknowledged across a reopen, and migrates twice without harm', async () => {
    const { store, filename } = await fileStore();
    const org = { id: newId('org'), name: 'durable', plan: 'free' as const, createdAt: Date.now() };
    await store.createOrg(org, key(org.id, 'h-durable'));
    await store.close();
    const again = new SqliteStore({ filename });
    open.push(() => again.close());
    await again.migrate();
    expect(await again.getOrg(org.id)).toEqual(org);
    expect((await again.getKeyByHash('h-durable'))?.orgId).toBe(org.id);
  });

  it('group commit isolates a failing write: the other writes of the batch commit', async () => {
    const { store } = await fileStore();
    const org = { id: newId('org'), name: 'batch', plan: 'free' as const, createdAt: Date.now() };
    await store.createOrg(org, key(org.id, 'taken'));
    const hashes = Array.from({ length: 20 }, (_, i) => (i === 7 ? 'taken' : `h-${i}`));
    // Started in one tick, so they share one transaction.
    const results = await Promise.allSettled(hashes.map((h) => store.insertKey(key(org.id, h))));
    expect(results.map((r) => r.status)).toEqual(hashes.map((_, i) => (i === 7 ? 'rejected' : 'fulfilled')));
    expect(String((results[7] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/i);
    for (const [i, h] of hashes.entries()) {
      if (i !== 7) expect((await store.getKeyByHash(h))?.hash).toBe(h);
    }
    expect((await store.listKeys(org.id, { limit: 100 })).data).toHaveLength(20);
  });

  it('commits a write that finds the store idle at once, without waiting for the next turn', async () => {
    const { store } = await fileStore();
    const org = { id: newId('org'), name: 'lone', plan: 'free' as const, createdAt: Date.now() };
    // Past the window in which a write is taken as one of a concurrent stream.
    await new Promise((r) => setTimeout(r, 20));
    let turned = false;
    setImmediate(() => { turned = true; });
    await store.createOrg(org, key(org.id, 'h-lone'));
    expect(turned).toBe(false);
    expect((await store.getKeyByHash('h-lone'))?.orgId).toBe(org.id);
  });

  it('answers writes queued before close', async () => {
    const { store } = await fileStore();
    const org = { id: newId('org'), name: 'closing', plan: 'free' as const, createdAt: Date.now() };
    const write = store.createOrg(org, key(org.id, 'h-closing'));
    await store.close();
    await expect(write).resolves.toBeUndefined();
  });
});
