/**
 * The Store and Queue contract: every adapter (SQLite, PostgreSQL, D1) runs this one suite, so
 * they all answer alike. `make` gives each test a fresh store. Ids, addresses and queue names
 * are unique per test, and times are explicit (no sleeping), so a backend whose `make` hands
 * back a shared database still passes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.ts';
import type { ApiKey, Inbox, Message, MessageEvent, Org } from '../../core/model.ts';
import type { Queue, Store } from '../../core/ports.ts';
import { queueContract } from './queue-contract.ts';
import { secretStoreContract } from './secret-store-contract.ts';
import { T0, LEASE, tag, hex, ALL_BYTES, makeOrg, makeKey, makeInbox, makeStored, makeJob, idempotency, outboundWrite, ids } from './store-contract-fixtures.ts';
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

    describe('outbound messages', () => {
      it('stores the message, its thread, raw bytes, attachments, events, job and idempotency record together', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const queue = `q-${tag()}`;
        const item = makeStored(inbox, {
          raw: ALL_BYTES,
          attachments: [
            { filename: 'bytes.bin', contentType: 'application/octet-stream', content: ALL_BYTES },
            { filename: 'empty.txt', contentType: 'text/plain', content: new Uint8Array(0) },
            { filename: 'naïve résumé.pdf', contentType: 'application/pdf', content: Uint8Array.from([0, 0xff, 0, 0x0d, 0x0a]) },
          ],
          eventTypes: ['queued', 'signed'],
        });
        const idem = idempotency(org.id, 'key-1', { id: item.message.id });
        const write = outboundWrite(item, queue, idem);
        expect(await store.createOutbound(write)).toEqual({ ok: true });

        expect(await store.getMessage(org.id, item.message.id)).toEqual(item.message);
        expect(await store.getMessageById(item.message.id)).toEqual(item.message);
        expect(await store.getMessage((await newOrg()).org.id, item.message.id)).toBeNull();
        expect(await store.getRaw(item.message.id)).toEqual(ALL_BYTES);
        expect(await store.listAttachments(item.message.id)).toEqual(item.attachments.map(({ content: _, ...meta }) => meta));
        for (const a of item.attachments) {
          const got = await store.getAttachment(item.message.id, a.id);
          expect(got).toEqual(a);
          expect(got!.content).toBeInstanceOf(Uint8Array);
        }
        expect(await store.listMessageEvents(item.message.id)).toEqual(item.events);
        expect(await store.getThread(org.id, item.message.threadId)).toEqual(item.thread.kind === 'new' ? item.thread.thread : null);
        expect(await store.getIdempotency(org.id, 'key-1')).toEqual(idem);
        expect(await store.depth(queue, T0)).toEqual({ pending: 1, oldestAgeMs: 0 });
        const [job] = await store.claim(queue, 'w', LEASE, 10, T0);
        expect(job).toEqual({ ...write.job, attempts: 0, leaseOwner: 'w', leaseUntil: T0 + LEASE, lastError: null });
      });

      it('answers the existing record for a live idempotency key, and writes nothing', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const queue = `q-${tag()}`;
        const first = makeStored(inbox);
        const idem = idempotency(org.id, 'same', { id: first.message.id });
        expect(await store.createOutbound(outboundWrite(first, queue, idem))).toEqual({ ok: true });
        const second = makeStored(inbox, { at: T0 + 1000 });
        const res = await store.createOutbound(outboundWrite(second, queue, idempotency(org.id, 'same', { id: second.message.id }, T0 + 1000)));
        expect(res).toEqual({ ok: false, existing: idem });
        expect(await store.getMessageById(second.message.id)).toBeNull();
        expect(await store.getRaw(second.message.id)).toBeNull();
        expect(await store.getThread(org.id, second.message.threadId)).toBeNull();
        expect(ids((await store.listMessages(inbox.id, { limit: 10 })).data)).toEqual([first.message.id]);
        expect((await store.depth(queue, T0 + 1000)).pending).toBe(1);
        expect(await store.getIdempotency(org.id, 'same')).toEqual(idem);
      });

      it('keeps idempotency keys per org', async () => {
        const a = await newOrg();
        const b = await newOrg();
        const queue = `q-${tag()}`;
        for (const { org } of [a, b]) {
          const inbox = await newInbox(org.id);
          const item = makeStored(inbox);
          expect(await store.createOutbound(outboundWrite(item, queue, idempotency(org.id, 'shared', { id: item.message.id })))).toEqual({ ok: true });
        }
        expect(await store.getIdempotency(a.org.id, 'shared')).not.toEqual(await store.getIdempotency(b.org.id, 'shared'));
        expect(await store.getIdempotency(a.org.id, 'other')).toBeNull();
      });

      it('replaces an expired idempotency record', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const queue = `q-${tag()}`;
        const old = makeStored(inbox);
        await store.createOutbound(outboundWrite(old, queue, idempotency(org.id, 'k', { id: old.message.id }, T0, 1000)));
        const later = makeStored(inbox, { at: T0 + 5000 });
        const fresh = idempotency(org.id, 'k', { id: later.message.id }, T0 + 5000);
        expect(await store.createOutbound(outboundWrite(later, queue, fresh))).toEqual({ ok: true });
        expect(await store.getIdempotency(org.id, 'k')).toEqual(fresh);
        expect(await store.getMessageById(later.message.id)).toEqual(later.message);
      });

      it('is atomic: when the job cannot be written, no message, thread or idempotency record remains', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const queue = `q-${tag()}`;
        const item = makeStored(inbox, { attachments: [{ filename: 'a', contentType: 'text/plain', content: ALL_BYTES }] });
        const write = outboundWrite(item, queue, idempotency(org.id, 'atomic', { id: item.message.id }));
        await store.enqueue(write.job); // the same job id: the insert of the job fails last
        await expect(store.createOutbound(write)).rejects.toThrow();
        expect(await store.getMessageById(item.message.id)).toBeNull();
        expect(await store.getRaw(item.message.id)).toBeNull();
        expect(await store.listAttachments(item.message.id)).toEqual([]);
        expect(await store.listMessageEvents(item.message.id)).toEqual([]);
        expect(await store.getThread(org.id, item.message.threadId)).toBeNull();
        expect(await store.getIdempotency(org.id, 'atomic')).toBeNull();
        expect(await store.findThreadByMessageIds(inbox.id, [item.message.messageId])).toBeNull();
        // The store still works, and the key is still free.
        const retry = makeStored(inbox);
        expect(await store.createOutbound(outboundWrite(retry, queue, idempotency(org.id, 'atomic', { id: retry.message.id })))).toEqual({ ok: true });
      });

      it('extends an existing thread: count and last message time grow', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const queue = `q-${tag()}`;
        const first = makeStored(inbox);
        await store.createOutbound(outboundWrite(first, queue));
        const threadId = first.message.threadId;
        const reply = makeStored(inbox, { at: T0 + 500, threadId });
        await store.createOutbound(outboundWrite(reply, queue));
        const inbound = makeStored(inbox, { at: T0 + 900, threadId, direction: 'inbound' });
        await store.storeInbound([inbound]);
        expect(await store.getThread(org.id, threadId)).toMatchObject({ id: threadId, messageCount: 3, lastMessageAt: T0 + 900, createdAt: T0 });
        expect(ids(await store.listThreadMessages(threadId, 10))).toEqual([first.message.id, reply.message.id, inbound.message.id]);
        expect(ids(await store.listThreadMessages(threadId, 2))).toEqual([first.message.id, reply.message.id]);
      });
    });

    describe('inbound messages', () => {
      it('stores one copy per inbox and skips copies already stored for that inbox and Message-ID', async () => {
        const { org } = await newOrg();
        const a = await newInbox(org.id);
        const b = await newInbox(org.id);
        const messageId = `<${tag()}@example.com>`;
        const first = [makeStored(a, { direction: 'inbound', messageId }), makeStored(b, { direction: 'inbound', messageId })];
        expect(ids(await store.storeInbound(first))).toEqual(ids(first.map((i) => i.message)));
        // A retried delivery: both copies again (new ids), plus a new inbox.
        const c = await newInbox(org.id);
        const again = [a, b, c].map((inbox) => makeStored(inbox, { direction: 'inbound', messageId, at: T0 + 10 }));
        expect(ids(await store.storeInbound(again))).toEqual([again[2]!.message.id]);
        expect(ids((await store.listMessages(a.id, { limit: 10 })).data)).toEqual([first[0]!.message.id]);
        expect(await store.getMessageById(again[0]!.message.id)).toBeNull();
        expect(await store.getThread(org.id, again[0]!.message.threadId)).toBeNull();
        expect(await store.getMessage(org.id, first[1]!.message.id)).toEqual(first[1]!.message);
      });

      it('skips a duplicate within one call', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const messageId = `<${tag()}@example.com>`;
        const twice = [makeStored(inbox, { direction: 'inbound', messageId }), makeStored(inbox, { direction: 'inbound', messageId, at: T0 + 1 })];
        expect(ids(await store.storeInbound(twice))).toEqual([twice[0]!.message.id]);
        expect((await store.listMessages(inbox.id, { limit: 10 })).data).toHaveLength(1);
      });

      it('keeps whether a machine sent each message (RFC 3834 auto_submitted)', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const automatic = makeStored(inbox, { direction: 'inbound', autoSubmitted: true });
        const human = makeStored(inbox, { direction: 'inbound', at: T0 + 1 });
        await store.storeInbound([automatic, human]);
        expect(await store.getMessage(org.id, automatic.message.id)).toEqual(automatic.message);
        expect((await store.getMessageById(human.message.id))?.autoSubmitted).toBe(false);
        expect((await store.listMessages(inbox.id, { limit: 10 })).data.map((m) => m.autoSubmitted)).toEqual([false, true]);
      });

      it('does not let an outbound copy with the same Message-ID block the inbound copy', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const messageId = `<${tag()}@agents.test>`;
        const sent = makeStored(inbox, { messageId });
        await store.createOutbound(outboundWrite(sent, `q-${tag()}`));
        // The inbox mailed itself: the local delivery stores the inbound copy in the same thread.
        const received = makeStored(inbox, { direction: 'inbound', messageId, threadId: sent.message.threadId, at: T0 + 1 });
        expect(ids(await store.storeInbound([received]))).toEqual([received.message.id]);
        const again = makeStored(inbox, { direction: 'inbound', messageId, threadId: sent.message.threadId, at: T0 + 2 });
        expect(await store.storeInbound([again])).toEqual([]);
        const all = await store.listMessages(inbox.id, { limit: 10 });
        expect(all.data.map((m) => m.direction)).toEqual(['inbound', 'outbound']);
        expect(await store.getThread(org.id, sent.message.threadId)).toMatchObject({ messageCount: 2, lastMessageAt: T0 + 1 });
      });

      it('marks the job done with completeJobId, also when every copy was a duplicate', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const queue = `q-${tag()}`;
        const messageId = `<${tag()}@example.com>`;
        const job1 = await leased(queue, 'w1');
        expect(await store.storeInbound([makeStored(inbox, { direction: 'inbound', messageId })], job1.id)).toHaveLength(1);
        const job2 = await leased(queue, 'w1', T0 + 1);
        expect(await store.storeInbound([makeStored(inbox, { direction: 'inbound', messageId, at: T0 + 2 })], job2.id)).toEqual([]);
        expect(await store.depth(queue, T0 + 10 * LEASE)).toEqual({ pending: 0, oldestAgeMs: null });
        expect(await store.claim(queue, 'w2', LEASE, 10, T0 + 10 * LEASE)).toEqual([]);
      });

      it('finds the thread of an inbox by any Message-ID, newest match first', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const other = await newInbox(org.id);
        const old = makeStored(inbox, { direction: 'inbound', at: T0 });
        const newer = makeStored(inbox, { direction: 'inbound', at: T0 + 100 });
        await store.storeInbound([old, newer]);
        const unknown = `<${tag()}@example.com>`;
        expect(await store.findThreadByMessageIds(inbox.id, [old.message.messageId])).toBe(old.message.threadId);
        expect(await store.findThreadByMessageIds(inbox.id, [unknown, old.message.messageId, newer.message.messageId])).toBe(newer.message.threadId);
        expect(await store.findThreadByMessageIds(inbox.id, [unknown])).toBeNull();
        expect(await store.findThreadByMessageIds(inbox.id, [])).toBeNull();
        expect(await store.findThreadByMessageIds(other.id, [old.message.messageId])).toBeNull();
      });
    });

    describe('listing messages', () => {
      it('lists newest first, and a cursor walks every message exactly once', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const other = await newInbox(org.id);
        const sent = await sendMany(inbox, 7);
        await sendMany(other, 2);
        const newestFirst = ids(sent).reverse();
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const p = await store.listMessages(inbox.id, { limit: 3, cursor });
          seen.push(...ids(p.data));
          cursor = p.nextCursor;
        } while (cursor);
        expect(seen).toEqual(newestFirst);
        const first = await store.listMessages(inbox.id, { limit: 3 });
        expect(first.data[0]).toEqual(sent[6]);
        expect(first.nextCursor).toBe(newestFirst[2]);
        expect((await store.listMessages(inbox.id, { limit: 7 })).nextCursor).toBeNull();
        expect(await store.listMessages(newId('inb'), { limit: 3 })).toEqual({ data: [], nextCursor: null });
      });

      it('filters by direction and status', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const [a, b, c] = await sendMany(inbox, 3);
        const inbound = makeStored(inbox, { direction: 'inbound', at: T0 + 10 });
        await store.storeInbound([inbound]);
        await store.setMessageStatus({
          messageId: b!.id, status: 'delivered', reason: null, event: { id: newId('evt', T0 + 20), messageId: b!.id, type: 'delivered', detail: null, createdAt: T0 + 20 },
        });
        expect(ids((await store.listMessages(inbox.id, { limit: 10, direction: 'inbound' })).data)).toEqual([inbound.message.id]);
        expect(ids((await store.listMessages(inbox.id, { limit: 10, direction: 'outbound' })).data)).toEqual([c!.id, b!.id, a!.id]);
        expect(ids((await store.listMessages(inbox.id, { limit: 10, status: 'queued' })).data)).toEqual([c!.id, a!.id]);
        expect(ids((await store.listMessages(inbox.id, { limit: 10, status: 'delivered', direction: 'outbound' })).data)).toEqual([b!.id]);
        expect(ids((await store.listMessages(inbox.id, { limit: 10, status: 'received', direction: 'outbound' })).data)).toEqual([]);
        const paged = await store.listMessages(inbox.id, { limit: 1, status: 'queued' });
        expect(ids(paged.data)).toEqual([c!.id]);
        expect(ids((await store.listMessages(inbox.id, { limit: 1, status: 'queued', cursor: paged.nextCursor })).data)).toEqual([a!.id]);
      });

      it('lists messages newer than `after`, oldest first, ignoring the cursor', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const sent = await sendMany(inbox, 6);
        const all = ids(sent);
        const p1 = await store.listMessages(inbox.id, { limit: 2, after: all[1] });
        expect(ids(p1.data)).toEqual([all[2], all[3]]);
        expect(p1.nextCursor).toBe(all[3]);
        const p2 = await store.listMessages(inbox.id, { limit: 2, after: p1.nextCursor, cursor: all[5] });
        expect(ids(p2.data)).toEqual([all[4], all[5]]);
        expect(p2.nextCursor).toBeNull();
        expect(await store.listMessages(inbox.id, { limit: 2, after: all[5] })).toEqual({ data: [], nextCursor: null });
        const inbound = makeStored(inbox, { direction: 'inbound', at: T0 + 100 });
        await store.storeInbound([inbound]);
        expect(ids((await store.listMessages(inbox.id, { limit: 10, after: all[0], direction: 'inbound' })).data)).toEqual([inbound.message.id]);
      });
    });

    describe('bytes, events and status', () => {
      it('round-trips raw bytes and attachments byte for byte (all 256 values)', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const big = new Uint8Array(300_000);
        for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
        const item = makeStored(inbox, {
          direction: 'inbound', raw: ALL_BYTES,
          attachments: [{ filename: 'all.bin', contentType: 'application/octet-stream', content: ALL_BYTES }, { filename: 'big.bin', contentType: 'application/octet-stream', content: big }],
        });
        await store.storeInbound([item]);
        const raw = await store.getRaw(item.message.id);
        expect(raw).toBeInstanceOf(Uint8Array);
        expect(Array.from(raw!)).toEqual(Array.from(ALL_BYTES));
        const all = await store.getAttachment(item.message.id, item.attachments[0]!.id);
        expect(Array.from(all!.content)).toEqual(Array.from(ALL_BYTES));
        const gotBig = await store.getAttachment(item.message.id, item.attachments[1]!.id);
        expect(gotBig!.size).toBe(big.byteLength);
        expect(gotBig!.content.byteLength).toBe(big.byteLength);
        expect(gotBig!.content.every((b, i) => b === big[i])).toBe(true);
        expect((await store.listAttachments(item.message.id)).map((a) => a.size)).toEqual([ALL_BYTES.byteLength, big.byteLength]);
        expect(await store.getAttachment(newId('msg'), item.attachments[0]!.id)).toBeNull();
        expect(await store.getAttachment(item.message.id, newId('att'))).toBeNull();
        expect(await store.getRaw(newId('msg'))).toBeNull();
      });

      it('lists a message’s events in order', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const item = makeStored(inbox, { eventTypes: ['queued', 'signed', 'handed_over'] });
        await store.createOutbound(outboundWrite(item, `q-${tag()}`));
        expect((await store.listMessageEvents(item.message.id)).map((e) => e.type)).toEqual(['queued', 'signed', 'handed_over']);
        expect(await store.listMessageEvents(newId('msg'))).toEqual([]);
      });

      it('sets a status with its event, and completes the job with it', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const queue = `q-${tag()}`;
        const item = makeStored(inbox);
        const write = outboundWrite(item, queue);
        await store.createOutbound(write);
        const [job] = await store.claim(queue, 'w1', LEASE, 10, T0);
        expect(job?.id).toBe(write.job.id);
        const sentAt = T0 + 1000;
        const event: MessageEvent = { id: newId('evt', sentAt), messageId: item.message.id, type: 'sent', detail: { response: '250 OK' }, createdAt: sentAt };
        await store.setMessageStatus({ messageId: item.message.id, status: 'sent', reason: '250 OK', event }, job!.id);
        expect(await store.getMessageById(item.message.id)).toEqual({ ...item.message, status: 'sent', statusReason: '250 OK', updatedAt: sentAt });
        expect(await store.listMessageEvents(item.message.id)).toEqual([...item.events, event]);
        expect(await store.claim(queue, 'w2', LEASE, 10, T0 + 10 * LEASE)).toEqual([]);
        expect((await store.depth(queue, sentAt)).pending).toBe(0);

        const bounceAt = sentAt + 1000;
        const bounce: MessageEvent = { id: newId('evt', bounceAt), messageId: item.message.id, type: 'bounced', detail: null, createdAt: bounceAt };
        await store.setMessageStatus({ messageId: item.message.id, status: 'bounced', reason: '550 no such user', event: bounce });
        expect(await store.getMessageById(item.message.id)).toMatchObject({ status: 'bounced', statusReason: '550 no such user', updatedAt: bounceAt });
        expect((await store.listMessageEvents(item.message.id)).map((e) => e.type)).toEqual(['queued', 'sent', 'bounced']);
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

    queueContract({ store: () => store, newOrg, newInbox, leased });
    secretStoreContract({ store: () => store, newOrg });
  });
}
