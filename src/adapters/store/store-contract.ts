/**
 * The Store and Queue contract: every adapter (SQLite, PostgreSQL, D1) runs this one suite, so
 * they all answer alike. `make` gives each test a fresh store. Ids, addresses and queue names
 * are unique per test, and times are explicit (no sleeping), so a backend whose `make` hands
 * back a shared database still passes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.ts';
import type { ApiKey, Inbox, Message, Org } from '../../core/model.ts';
import type { Queue, Store } from '../../core/ports.ts';
import { messagesContract } from './messages-contract.ts';
import { queueContract } from './queue-contract.ts';
import { secretStoreContract } from './secret-store-contract.ts';
import { T0, LEASE, tag, hex, ALL_BYTES, makeOrg, makeKey, makeInbox, makeStored, makeJob, outboundWrite, ids } from './store-contract-fixtures.ts';
import type { StoreUnderTest } from './store-contract-fixtures.ts';

export type { StoreUnderTest };

export function storeContract(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`Store contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: Store & Queue;

    beforeEach(async () => {
      sut = await make();
      store = sut.store;
    });
    afterEach(async () => {
      await sut.cleanup();
    });

    async function newOrg(at = T0): Promise<{ org: Org; key: ApiKey }> {
      const org = makeOrg(at);
      const key = makeKey(org.id, { createdAt: at });
      await store.createOrg(org, key);
      return { org, key };
    }

    async function newInbox(orgId: string, at = T0): Promise<Inbox> {
      const inbox = makeInbox(orgId, at);
      expect(await store.insertInbox(inbox)).toBe(true);
      return inbox;
    }

    /** Stores `n` outbound messages a millisecond apart; returns them oldest first. */
    async function sendMany(inbox: Inbox, n: number, queue = `q-${tag()}`): Promise<Message[]> {
      const out: Message[] = [];
      for (let i = 0; i < n; i++) {
        const item = makeStored(inbox, { at: T0 + i });
        expect(await store.createOutbound(outboundWrite(item, queue))).toEqual({ ok: true });
        out.push(item.message);
      }
      return out;
    }

    /** A job that is due, claimed; answers the claim. */
    async function leased(queue: string, owner: string, now = T0) {
      const job = makeJob(queue, now);
      await store.enqueue(job);
      const claimed = await store.claim(queue, owner, LEASE, 10, now);
      expect(ids(claimed)).toEqual([job.id]);
      return claimed[0]!;
    }

    describe('orgs and keys', () => {
      it('creates an org with its first key, found by hash', async () => {
        const { org, key } = await newOrg();
        expect(await store.getOrg(org.id)).toEqual(org);
        expect(await store.getKeyByHash(key.hash)).toEqual(key);
        expect(await store.getKey(org.id, key.id)).toEqual(key);
      });

      it('answers null for unknown ids and for another org', async () => {
        const a = await newOrg();
        const b = await newOrg();
        expect(await store.getOrg(newId('org'))).toBeNull();
        expect(await store.getKeyByHash(hex())).toBeNull();
        expect(await store.getKey(b.org.id, a.key.id)).toBeNull();
      });

      it('creates an org atomically: a first key with a taken hash leaves no org behind', async () => {
        const { key } = await newOrg();
        const org = makeOrg();
        await expect(store.createOrg(org, makeKey(org.id, { hash: key.hash }))).rejects.toThrow();
        expect(await store.getOrg(org.id)).toBeNull();
      });

      it('keeps scopes and inbox ids of a key', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const key = makeKey(org.id, { scope: 'inbox', inboxIds: [inbox.id], name: 'scoped ✓' });
        await store.insertKey(key);
        expect(await store.getKeyByHash(key.hash)).toEqual(key);
      });

      it('rejects a second key with the same hash', async () => {
        const { org, key } = await newOrg();
        await expect(store.insertKey(makeKey(org.id, { hash: key.hash }))).rejects.toThrow();
      });

      it('lists keys newest first, paged by cursor, only of the org', async () => {
        const { org, key: first } = await newOrg();
        await newOrg();
        const keys = [first];
        for (let i = 1; i <= 4; i++) {
          const k = makeKey(org.id, { createdAt: T0 + i });
          await store.insertKey(k);
          keys.push(k);
        }
        const newestFirst = ids(keys).reverse();
        const p1 = await store.listKeys(org.id, { limit: 2 });
        expect(ids(p1.data)).toEqual(newestFirst.slice(0, 2));
        expect(p1.nextCursor).toBe(newestFirst[1]);
        const p2 = await store.listKeys(org.id, { limit: 2, cursor: p1.nextCursor });
        expect(ids(p2.data)).toEqual(newestFirst.slice(2, 4));
        const p3 = await store.listKeys(org.id, { limit: 2, cursor: p2.nextCursor });
        expect(ids(p3.data)).toEqual(newestFirst.slice(4));
        expect(p3.nextCursor).toBeNull();
        expect(await store.listKeys(org.id, { limit: 5 })).toMatchObject({ nextCursor: null });
      });

      it('revokes a key once: a second revoke keeps the first time', async () => {
        const { org, key } = await newOrg();
        const revoked = await store.revokeKey(org.id, key.id, T0 + 10);
        expect(revoked).toEqual({ ...key, revokedAt: T0 + 10 });
        expect(await store.revokeKey(org.id, key.id, T0 + 20)).toEqual({ ...key, revokedAt: T0 + 10 });
        expect(await store.getKeyByHash(key.hash)).toEqual({ ...key, revokedAt: T0 + 10 });
      });

      it('revokes nothing for an unknown key or a key of another org', async () => {
        const a = await newOrg();
        const b = await newOrg();
        expect(await store.revokeKey(a.org.id, newId('key'), T0)).toBeNull();
        expect(await store.revokeKey(b.org.id, a.key.id, T0)).toBeNull();
        expect((await store.getKeyByHash(a.key.hash))?.revokedAt).toBeNull();
      });
    });

    describe('inboxes', () => {
      it('stores an inbox, found by org and id, and by address in any case', async () => {
        const { org } = await newOrg();
        const other = await newOrg();
        const inbox = await newInbox(org.id);
        expect(await store.getInbox(org.id, inbox.id)).toEqual(inbox);
        expect(await store.getInbox(other.org.id, inbox.id)).toBeNull();
        expect(await store.getInboxByAddress(inbox.address.toUpperCase())).toEqual(inbox);
        expect(await store.getInboxByAddress(`nobody-${tag()}@agents.test`)).toBeNull();
      });

      it('answers false for a taken address, in any org, and stores nothing', async () => {
        const a = await newOrg();
        const b = await newOrg();
        const inbox = await newInbox(a.org.id);
        const twin = makeInbox(b.org.id, T0, { username: inbox.username, address: inbox.address });
        expect(await store.insertInbox(twin)).toBe(false);
        expect(await store.getInbox(b.org.id, twin.id)).toBeNull();
        expect(await store.countInboxes(b.org.id)).toBe(0);
      });

      it('lists inboxes newest first with cursor and limit', async () => {
        const { org } = await newOrg();
        const made: Inbox[] = [];
        for (let i = 0; i < 5; i++) made.push(await newInbox(org.id, T0 + i));
        await newInbox((await newOrg()).org.id);
        const newestFirst = ids(made).reverse();
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const p = await store.listInboxes(org.id, { limit: 2, cursor });
          expect(p.data.length).toBeLessThanOrEqual(2);
          seen.push(...ids(p.data));
          cursor = p.nextCursor;
          pages++;
        } while (cursor);
        expect(seen).toEqual(newestFirst);
        expect(pages).toBe(3);
        expect(await store.countInboxes(org.id)).toBe(5);
        const all = await store.listInboxes(org.id, { limit: 5 });
        expect(all.nextCursor).toBeNull();
        expect(all.data[0]).toEqual(made[4]);
      });

      it('filters a listing by ids; an empty list of ids lists nothing', async () => {
        const { org } = await newOrg();
        const other = await newOrg();
        const [a, b, c] = [await newInbox(org.id, T0), await newInbox(org.id, T0 + 1), await newInbox(org.id, T0 + 2)];
        const foreign = await newInbox(other.org.id);
        const p = await store.listInboxes(org.id, { limit: 10, ids: [a!.id, c!.id, foreign.id] });
        expect(ids(p.data)).toEqual([c!.id, a!.id]);
        expect(await store.listInboxes(org.id, { limit: 10, ids: [] })).toEqual({ data: [], nextCursor: null });
        const paged = await store.listInboxes(org.id, { limit: 1, ids: [a!.id, b!.id], cursor: b!.id });
        expect(ids(paged.data)).toEqual([a!.id]);
        expect(paged.nextCursor).toBeNull();
      });

      it('updates the display name, clears it, and ignores an empty patch', async () => {
        const { org } = await newOrg();
        const other = await newOrg();
        const inbox = await newInbox(org.id);
        expect(await store.updateInbox(org.id, inbox.id, { displayName: 'Agent "7" ✓' })).toEqual({ ...inbox, displayName: 'Agent "7" ✓' });
        expect(await store.updateInbox(org.id, inbox.id, {})).toEqual({ ...inbox, displayName: 'Agent "7" ✓' });
        expect(await store.updateInbox(org.id, inbox.id, { displayName: null })).toEqual(inbox);
        expect(await store.updateInbox(other.org.id, inbox.id, { displayName: 'x' })).toBeNull();
        expect(await store.updateInbox(org.id, newId('inb'), { displayName: 'x' })).toBeNull();
        expect(await store.getInbox(org.id, inbox.id)).toEqual(inbox);
      });

      it('deletes an inbox with its threads, messages, raw bytes, attachments and events; nothing else', async () => {
        const { org } = await newOrg();
        const other = await newOrg();
        const doomed = await newInbox(org.id);
        const kept = await newInbox(org.id);
        const queue = `q-${tag()}`;
        const attachment = { filename: 'a.bin', contentType: 'application/octet-stream', content: ALL_BYTES };
        const gone = makeStored(doomed, { attachments: [attachment] });
        const stays = makeStored(kept, { attachments: [attachment], messageId: gone.message.messageId });
        await store.createOutbound(outboundWrite(gone, queue));
        await store.createOutbound(outboundWrite(stays, queue));
        const inbound = makeStored(doomed, { direction: 'inbound', at: T0 + 1 });
        expect(await store.storeInbound([inbound])).toHaveLength(1);

        expect(await store.deleteInbox(other.org.id, doomed.id)).toBe(false);
        expect(await store.deleteInbox(org.id, doomed.id)).toBe(true);
        expect(await store.deleteInbox(org.id, doomed.id)).toBe(false);

        expect(await store.getInbox(org.id, doomed.id)).toBeNull();
        expect(await store.getInboxByAddress(doomed.address)).toBeNull();
        for (const m of [gone.message, inbound.message]) {
          expect(await store.getMessageById(m.id)).toBeNull();
          expect(await store.getRaw(m.id)).toBeNull();
          expect(await store.listAttachments(m.id)).toEqual([]);
          expect(await store.listMessageEvents(m.id)).toEqual([]);
          expect(await store.getThread(org.id, m.threadId)).toBeNull();
        }
        expect(await store.getAttachment(gone.message.id, gone.attachments[0]!.id)).toBeNull();
        expect(await store.listMessages(doomed.id, { limit: 10 })).toEqual({ data: [], nextCursor: null });
        expect(await store.listThreads(org.id, { limit: 10, inboxId: doomed.id })).toEqual({ data: [], nextCursor: null });
        expect(await store.findThreadByMessageIds(doomed.id, [gone.message.messageId, inbound.message.messageId])).toBeNull();

        // The other inbox, with the same Message-ID, is untouched.
        expect(await store.getMessage(org.id, stays.message.id)).toEqual(stays.message);
        expect(await store.getRaw(stays.message.id)).toEqual(stays.raw);
        expect((await store.getAttachment(stays.message.id, stays.attachments[0]!.id))?.content).toEqual(ALL_BYTES);
        expect(await store.findThreadByMessageIds(kept.id, [stays.message.messageId])).toBe(stays.message.threadId);
        expect(await store.countInboxes(org.id)).toBe(1);
        // The address is free again.
        expect(await store.insertInbox(makeInbox(org.id, T0, { username: doomed.username, address: doomed.address }))).toBe(true);
      });
    });

    describe('threads', () => {
      it('gets a thread only in its org, and lists threads newest first with paging and filters', async () => {
        const { org } = await newOrg();
        const other = await newOrg();
        const a = await newInbox(org.id);
        const b = await newInbox(org.id);
        const queue = `q-${tag()}`;
        const threads: string[] = [];
        for (let i = 0; i < 5; i++) {
          const item = makeStored(i % 2 === 0 ? a : b, { at: T0 + i });
          await store.createOutbound(outboundWrite(item, queue));
          threads.push(item.message.threadId);
        }
        const foreign = makeStored(await newInbox(other.org.id));
        await store.createOutbound(outboundWrite(foreign, queue));

        expect(await store.getThread(org.id, threads[0]!)).toMatchObject({ id: threads[0], inboxId: a.id, orgId: org.id, subject: 'Hello', messageCount: 1 });
        expect(await store.getThread(other.org.id, threads[0]!)).toBeNull();
        expect(await store.getThread(org.id, foreign.message.threadId)).toBeNull();

        const newestFirst = [...threads].reverse();
        const p1 = await store.listThreads(org.id, { limit: 3 });
        expect(ids(p1.data)).toEqual(newestFirst.slice(0, 3));
        const p2 = await store.listThreads(org.id, { limit: 3, cursor: p1.nextCursor });
        expect(ids(p2.data)).toEqual(newestFirst.slice(3));
        expect(p2.nextCursor).toBeNull();

        expect(ids((await store.listThreads(org.id, { limit: 10, inboxId: a.id })).data)).toEqual([threads[4], threads[2], threads[0]]);
        expect(ids((await store.listThreads(org.id, { limit: 10, inboxIds: [b.id] })).data)).toEqual([threads[3], threads[1]]);
        expect(ids((await store.listThreads(org.id, { limit: 10, inboxIds: [a.id, b.id], inboxId: b.id })).data)).toEqual([threads[3], threads[1]]);
        expect(await store.listThreads(org.id, { limit: 10, inboxIds: [] })).toEqual({ data: [], nextCursor: null });
        expect(await store.listThreads(org.id, { limit: 10, inboxId: foreign.message.inboxId })).toEqual({ data: [], nextCursor: null });
        expect(await store.listThreadMessages(newId('thr'), 10)).toEqual([]);
      });
    });

    messagesContract({ store: () => store, newOrg, newInbox, sendMany, leased });
    queueContract({ store: () => store, newOrg, newInbox, leased });
    secretStoreContract({ store: () => store, newOrg });
  });
}
