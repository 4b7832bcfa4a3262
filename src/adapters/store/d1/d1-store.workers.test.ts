import { env } from 'cloudflare:workers';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { newId } from '../../../core/ids.ts';
import { storeWriterRpc } from '../../../runtime/workers/objects/store-writer.ts';
import { attachmentKey, rawKey } from '../sql/message-blobs.ts';
import { storeContract } from '../store-contract.ts';
import { ALL_BYTES, idempotency, makeInbox, makeKey, makeOrg, makeStored, outboundWrite, T0, tag } from '../store-contract-fixtures.ts';
import { D1QueryError } from './d1-dialect.ts';
import { D1Store } from './d1-store.ts';
import { routedStore } from './routed-store.ts';

// One D1 database for the file: the contract keeps every test's ids, addresses and queues unique.
let migrated: Promise<void> | null = null;
async function open(store: D1Store): Promise<D1Store> {
  await (migrated ??= store.migrate());
  return store;
}

storeContract('D1', async () => ({ store: await open(new D1Store(env.DB)), cleanup: async () => {} }));

storeContract('D1, bodies in R2', async () => ({ store: await open(new D1Store(env.DB, { blobs: env.BLOBS })), cleanup: async () => {} }));

// The local side is read-only, as in the Worker: a method the route table sends there by mistake fails the suite.
storeContract('D1 through the StoreWriter Durable Object', async () => {
  await open(new D1Store(env.DB));
  return { store: routedStore(new D1Store(env.DB, { blobs: env.BLOBS, readOnly: true }), storeWriterRpc(env)), cleanup: async () => {} };
});

describe('D1Store', () => {
  async function withInbox(store: D1Store) {
    const org = makeOrg();
    await store.createOrg(org, makeKey(org.id));
    const inbox = makeInbox(org.id);
    expect(await store.insertInbox(inbox)).toBe(true);
    return { org, inbox };
  }

  it('migrates twice without harm, and records each migration once', async () => {
    const store = await open(new D1Store(env.DB));
    await store.migrate();
    const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
    expect(rows.rows.length).toBeGreaterThan(0);
    expect(new Set(rows.rows.map((r) => r.name)).size).toBe(rows.rows.length);
  });

  it('keeps bodies in R2 and empty byte columns in D1; deleting the inbox deletes its objects', async () => {
    const store = await open(new D1Store(env.DB, { blobs: env.BLOBS }));
    const { org, inbox } = await withInbox(store);
    const item = makeStored(inbox, { raw: ALL_BYTES, attachments: [{ filename: 'a.bin', contentType: 'application/octet-stream', content: ALL_BYTES }] });
    const attachment = item.attachments[0]!;
    expect(await store.createOutbound(outboundWrite(item, `q-${tag()}`))).toEqual({ ok: true });
    const inR2 = await env.BLOBS.get(rawKey(item.message.id));
    expect(new Uint8Array(await inR2!.arrayBuffer())).toEqual(ALL_BYTES);
    expect(await env.BLOBS.head(attachmentKey(item.message.id, attachment.id))).not.toBeNull();
    const column = await store.db.selectFrom('message_raw').select((eb) => eb.fn('length', ['raw']).as('n')).where('message_id', '=', item.message.id).executeTakeFirst();
    expect(Number(column?.n)).toBe(0);

    await store.deliverability.saveSignedRaw(item.message.id, new TextEncoder().encode('signed'));
    expect(await store.getRaw(item.message.id)).toEqual(new TextEncoder().encode('signed'));

    expect(await store.deleteInbox(org.id, inbox.id)).toBe(true);
    expect(await env.BLOBS.head(rawKey(item.message.id))).toBeNull();
    expect(await env.BLOBS.head(attachmentKey(item.message.id, attachment.id))).toBeNull();
  });

  it('settles concurrent creates of one address: exactly one true, never an error', async () => {
    const store = await open(new D1Store(env.DB));
    const org = makeOrg();
    await store.createOrg(org, makeKey(org.id));
    const address = `same-${tag()}@agents.test`;
    const results = await Promise.all(Array.from({ length: 8 }, () => store.insertInbox(makeInbox(org.id, T0, { address }))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('answers one idempotency record to concurrent sends with one key, and stores one message', async () => {
    const [a, b] = [await open(new D1Store(env.DB)), await open(new D1Store(env.DB))];
    const { org, inbox } = await withInbox(a);
    const writes = [a, b, a, b].map((store) => {
      const item = makeStored(inbox);
      return { store, write: outboundWrite(item, `q-${tag()}`, idempotency(org.id, 'race', { id: item.message.id })) };
    });
    // Two stores in one isolate: each serialises only its own writers, so b's body may read
    // before a's batch commits; the UNIQUE violation settles it.
    const results = await Promise.all(writes.map(({ store, write }) => store.createOutbound(write)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const winner = writes[results.findIndex((r) => r.ok)]!.write;
    for (const r of results) if (!r.ok) expect(r.existing).toEqual(winner.idempotency);
    expect((await a.listMessages(inbox.id, { limit: 10 })).data.map((m) => m.id)).toEqual([winner.message.id]);
  });
});

describe('D1 dialect', () => {
  const table = () => `t_${tag()}`;

  async function fresh(): Promise<{ store: D1Store; name: string }> {
    const store = new D1Store(env.DB);
    const name = table();
    await sql`create table ${sql.id(name)} (id text primary key, n integer not null)`.execute(store.db);
    return { store, name };
  }

  it('reads inside a transaction see committed rows, not the transaction\'s own queued writes', async () => {
    const { store, name } = await fresh();
    const db = store.db.withTables<Record<string, { id: string; n: number }>>();
    await db.insertInto(name).values({ id: 'a', n: 1 }).execute();
    const seen = await db.transaction().execute(async (trx) => {
      await trx.insertInto(name).values({ id: 'b', n: 2 }).execute();
      return (await trx.selectFrom(name).select('id').orderBy('id').execute()).map((r) => r.id);
    });
    expect(seen).toEqual(['a']);
    expect((await db.selectFrom(name).select('id').orderBy('id').execute()).map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('commits all of a transaction or none: a UNIQUE violation rolls back the earlier writes, with its code', async () => {
    const { store, name } = await fresh();
    const db = store.db.withTables<Record<string, { id: string; n: number }>>();
    await db.insertInto(name).values({ id: 'taken', n: 0 }).execute();
    const failed = db.transaction().execute(async (trx) => {
      await trx.insertInto(name).values({ id: 'new', n: 1 }).execute();
      await trx.updateTable(name).set({ n: 5 }).where('id', '=', 'taken').execute();
      await trx.insertInto(name).values({ id: 'taken', n: 2 }).execute();
    });
    await expect(failed).rejects.toBeInstanceOf(D1QueryError);
    await expect(failed).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect(await db.selectFrom(name).selectAll().execute()).toEqual([{ id: 'taken', n: 0 }]);
  });

  it('drops the queued writes when the body throws', async () => {
    const { store, name } = await fresh();
    const db = store.db.withTables<Record<string, { id: string; n: number }>>();
    await expect(db.transaction().execute(async (trx) => {
      await trx.insertInto(name).values({ id: 'x', n: 1 }).execute();
      throw new Error('changed my mind');
    })).rejects.toThrow('changed my mind');
    expect(await db.selectFrom(name).selectAll().execute()).toEqual([]);
  });

  it('refuses RETURNING inside a transaction, and counts rows outside one', async () => {
    const { store, name } = await fresh();
    const db = store.db.withTables<Record<string, { id: string; n: number }>>();
    await expect(db.transaction().execute((trx) => trx.insertInto(name).values({ id: 'r', n: 1 }).returningAll().execute())).rejects.toThrow(/RETURNING/);
    await db.insertInto(name).values([{ id: 'a', n: 1 }, { id: 'b', n: 1 }]).execute();
    const res = await db.updateTable(name).set({ n: 2 }).executeTakeFirst();
    expect(res.numUpdatedRows).toBe(2n);
    expect(await db.deleteFrom(name).where('id', '=', 'a').returning('id').execute()).toEqual([{ id: 'a' }]);
  });

  it('lists tables without D1\'s own, with their columns', async () => {
    const { store, name } = await fresh();
    const tables = await store.db.introspection.getTables();
    expect(tables.some((t) => t.name.startsWith('_cf_'))).toBe(false);
    expect(tables.some((t) => t.name === 'kysely_migration')).toBe(false);
    expect(tables.find((t) => t.name === name)?.columns.map((c) => [c.name, c.isNullable])).toEqual([['id', true], ['n', false]]);
  });

  it('binds a byte view as its own bytes, not its whole buffer', async () => {
    const store = await open(new D1Store(env.DB));
    const buffer = Uint8Array.from([9, 9, 1, 2, 3, 9]);
    const id = newId('msg');
    await store.db.insertInto('message_raw').values({ message_id: id, raw: buffer.subarray(2, 5) }).execute();
    expect(await store.getRaw(id)).toEqual(Uint8Array.from([1, 2, 3]));
  });
});

describe('StoreWriter', () => {
  it('runs write methods only, and hands faults back with their code', async () => {
    await open(new D1Store(env.DB));
    const writer = env.STORE_WRITER.get(env.STORE_WRITER.idFromName('primary'));
    for (const [port, method] of [['store', 'getOrg'], ['lists', 'getEntry'], ['deliverability', 'insertEntry'], ['nowhere', 'createOrg']]) {
      expect(await writer.write(port as never, method!, [newId('org')]), `${port}.${method}`).toMatchObject({ ok: false, error: { name: 'TypeError' } });
    }
    const store = routedStore(new D1Store(env.DB, { readOnly: true }), storeWriterRpc(env));
    const org = makeOrg();
    const key = makeKey(org.id);
    await store.createOrg(org, key);
    await expect(store.insertKey(makeKey(org.id, { hash: key.hash }))).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE', message: expect.stringMatching(/UNIQUE/) });
  });
});
