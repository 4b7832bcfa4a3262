/** The messages part of the store contract (store-contract.ts runs it): outbound and inbound writes, listing, bytes, events and status. */
import { describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.ts';
import type { ApiKey, Inbox, Job, Message, MessageEvent, Org } from '../../core/model.ts';
import type { Queue, Store } from '../../core/ports.ts';
import { T0, LEASE, tag, ALL_BYTES, makeStored, idempotency, outboundWrite, ids } from './store-contract-fixtures.ts';

export interface MessagesContractContext {
  store: () => Store & Queue;
  newOrg: (at?: number) => Promise<{ org: Org; key: ApiKey }>;
  newInbox: (orgId: string, at?: number) => Promise<Inbox>;
  /** Stores `n` outbound messages a millisecond apart; returns them oldest first. */
  sendMany: (inbox: Inbox, n: number, queue?: string) => Promise<Message[]>;
  leased: (queue: string, owner: string, now?: number) => Promise<Job>;
}

export function messagesContract(ctx: MessagesContractContext): void {
  const { newOrg, newInbox, sendMany, leased } = ctx;
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
        expect(await ctx.store().createOutbound(write)).toEqual({ ok: true });

        expect(await ctx.store().getMessage(org.id, item.message.id)).toEqual(item.message);
        expect(await ctx.store().getMessageById(item.message.id)).toEqual(item.message);
        expect(await ctx.store().getMessage((await newOrg()).org.id, item.message.id)).toBeNull();
        expect(await ctx.store().getRaw(item.message.id)).toEqual(ALL_BYTES);
        expect(await ctx.store().listAttachments(item.message.id)).toEqual(item.attachments.map(({ content: _, ...meta }) => meta));
        for (const a of item.attachments) {
          const got = await ctx.store().getAttachment(item.message.id, a.id);
          expect(got).toEqual(a);
          expect(got!.content).toBeInstanceOf(Uint8Array);
        }
        expect(await ctx.store().listMessageEvents(item.message.id)).toEqual(item.events);
        expect(await ctx.store().getThread(org.id, item.message.threadId)).toEqual(item.thread.kind === 'new' ? item.thread.thread : null);
        expect(await ctx.store().getIdempotency(org.id, 'key-1')).toEqual(idem);
        expect(await ctx.store().depth(queue, T0)).toEqual({ pending: 1, oldestAgeMs: 0 });
        const [job] = await ctx.store().claim(queue, 'w', LEASE, 10, T0);
        expect(job).toEqual({ ...write.job, attempts: 0, leaseOwner: 'w', leaseUntil: T0 + LEASE, lastError: null });
      });

      it('answers the existing record for a live idempotency key, and writes nothing', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const queue = `q-${tag()}`;
        const first = makeStored(inbox);
        const idem = idempotency(org.id, 'same', { id: first.message.id });
        expect(await ctx.store().createOutbound(outboundWrite(first, queue, idem))).toEqual({ ok: true });
        const second = makeStored(inbox, { at: T0 + 1000 });
        const res = await ctx.store().createOutbound(outboundWrite(second, queue, idempotency(org.id, 'same', { id: second.message.id }, T0 + 1000)));
        expect(res).toEqual({ ok: false, existing: idem });
        expect(await ctx.store().getMessageById(second.message.id)).toBeNull();
        expect(await ctx.store().getRaw(second.message.id)).toBeNull();
        expect(await ctx.store().getThread(org.id, second.message.threadId)).toBeNull();
        expect(ids((await ctx.store().listMessages(inbox.id, { limit: 10 })).data)).toEqual([first.message.id]);
        expect((await ctx.store().depth(queue, T0 + 1000)).pending).toBe(1);
        expect(await ctx.store().getIdempotency(org.id, 'same')).toEqual(idem);
      });

      it('keeps idempotency keys per org', async () => {
        const a = await newOrg();
        const b = await newOrg();
        const queue = `q-${tag()}`;
        for (const { org } of [a, b]) {
          const inbox = await newInbox(org.id);
          const item = makeStored(inbox);
          expect(await ctx.store().createOutbound(outboundWrite(item, queue, idempotency(org.id, 'shared', { id: item.message.id })))).toEqual({ ok: true });
        }
        expect(await ctx.store().getIdempotency(a.org.id, 'shared')).not.toEqual(await ctx.store().getIdempotency(b.org.id, 'shared'));
        expect(await ctx.store().getIdempotency(a.org.id, 'other')).toBeNull();
      });

      it('replaces an expired idempotency record', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const queue = `q-${tag()}`;
        const old = makeStored(inbox);
        await ctx.store().createOutbound(outboundWrite(old, queue, idempotency(org.id, 'k', { id: old.message.id }, T0, 1000)));
        const later = makeStored(inbox, { at: T0 + 5000 });
        const fresh = idempotency(org.id, 'k', { id: later.message.id }, T0 + 5000);
        expect(await ctx.store().createOutbound(outboundWrite(later, queue, fresh))).toEqual({ ok: true });
        expect(await ctx.store().getIdempotency(org.id, 'k')).toEqual(fresh);
        expect(await ctx.store().getMessageById(later.message.id)).toEqual(later.message);
      });

      it('is atomic: when the job cannot be written, no message, thread or idempotency record remains', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const queue = `q-${tag()}`;
        const item = makeStored(inbox, { attachments: [{ filename: 'a', contentType: 'text/plain', content: ALL_BYTES }] });
        const write = outboundWrite(item, queue, idempotency(org.id, 'atomic', { id: item.message.id }));
        await ctx.store().enqueue(write.job); // the same job id: the insert of the job fails last
        await expect(ctx.store().createOutbound(write)).rejects.toThrow();
        expect(await ctx.store().getMessageById(item.message.id)).toBeNull();
        expect(await ctx.store().getRaw(item.message.id)).toBeNull();
        expect(await ctx.store().listAttachments(item.message.id)).toEqual([]);
        expect(await ctx.store().listMessageEvents(item.message.id)).toEqual([]);
        expect(await ctx.store().getThread(org.id, item.message.threadId)).toBeNull();
        expect(await ctx.store().getIdempotency(org.id, 'atomic')).toBeNull();
        expect(await ctx.store().findThreadByMessageIds(inbox.id, [item.message.messageId])).toBeNull();
        // The store still works, and the key is still free.
        const retry = makeStored(inbox);
        expect(await ctx.store().createOutbound(outboundWrite(retry, queue, idempotency(org.id, 'atomic', { id: retry.message.id })))).toEqual({ ok: true });
      });

      it('extends an existing thread: count and last message time grow', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const queue = `q-${tag()}`;
        const first = makeStored(inbox);
        await ctx.store().createOutbound(outboundWrite(first, queue));
        const threadId = first.message.threadId;
        const reply = makeStored(inbox, { at: T0 + 500, threadId });
        await ctx.store().createOutbound(outboundWrite(reply, queue));
        const inbound = makeStored(inbox, { at: T0 + 900, threadId, direction: 'inbound' });
        await ctx.store().storeInbound([inbound]);
        expect(await ctx.store().getThread(org.id, threadId)).toMatchObject({ id: threadId, messageCount: 3, lastMessageAt: T0 + 900, createdAt: T0 });
        expect(ids(await ctx.store().listThreadMessages(threadId, 10))).toEqual([first.message.id, reply.message.id, inbound.message.id]);
        expect(ids(await ctx.store().listThreadMessages(threadId, 2))).toEqual([first.message.id, reply.message.id]);
      });
    });

    describe('inbound messages', () => {
      it('stores one copy per inbox and skips copies already stored for that inbox and Message-ID', async () => {
        const { org } = await newOrg();
        const a = await newInbox(org.id);
        const b = await newInbox(org.id);
        const messageId = `<${tag()}@example.com>`;
        const first = [makeStored(a, { direction: 'inbound', messageId }), makeStored(b, { direction: 'inbound', messageId })];
        expect(ids(await ctx.store().storeInbound(first))).toEqual(ids(first.map((i) => i.message)));
        // A retried delivery: both copies again (new ids), plus a new inbox.
        const c = await newInbox(org.id);
        const again = [a, b, c].map((inbox) => makeStored(inbox, { direction: 'inbound', messageId, at: T0 + 10 }));
        expect(ids(await ctx.store().storeInbound(again))).toEqual([again[2]!.message.id]);
        expect(ids((await ctx.store().listMessages(a.id, { limit: 10 })).data)).toEqual([first[0]!.message.id]);
        expect(await ctx.store().getMessageById(again[0]!.message.id)).toBeNull();
        expect(await ctx.store().getThread(org.id, again[0]!.message.threadId)).toBeNull();
        expect(await ctx.store().getMessage(org.id, first[1]!.message.id)).toEqual(first[1]!.message);
      });

      it('skips a duplicate within one call', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const messageId = `<${tag()}@example.com>`;
        const twice = [makeStored(inbox, { direction: 'inbound', messageId }), makeStored(inbox, { direction: 'inbound', messageId, at: T0 + 1 })];
        expect(ids(await ctx.store().storeInbound(twice))).toEqual([twice[0]!.message.id]);
        expect((await ctx.store().listMessages(inbox.id, { limit: 10 })).data).toHaveLength(1);
      });

      it('keeps whether a machine sent each message (RFC 3834 auto_submitted)', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const automatic = makeStored(inbox, { direction: 'inbound', autoSubmitted: true });
        const human = makeStored(inbox, { direction: 'inbound', at: T0 + 1 });
        await ctx.store().storeInbound([automatic, human]);
        expect(await ctx.store().getMessage(org.id, automatic.message.id)).toEqual(automatic.message);
        expect((await ctx.store().getMessageById(human.message.id))?.autoSubmitted).toBe(false);
        expect((await ctx.store().listMessages(inbox.id, { limit: 10 })).data.map((m) => m.autoSubmitted)).toEqual([false, true]);
      });

      it('does not let an outbound copy with the same Message-ID block the inbound copy', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const messageId = `<${tag()}@agents.test>`;
        const sent = makeStored(inbox, { messageId });
        await ctx.store().createOutbound(outboundWrite(sent, `q-${tag()}`));
        // The inbox mailed itself: the local delivery stores the inbound copy in the same thread.
        const received = makeStored(inbox, { direction: 'inbound', messageId, threadId: sent.message.threadId, at: T0 + 1 });
        expect(ids(await ctx.store().storeInbound([received]))).toEqual([received.message.id]);
        const again = makeStored(inbox, { direction: 'inbound', messageId, threadId: sent.message.threadId, at: T0 + 2 });
        expect(await ctx.store().storeInbound([again])).toEqual([]);
        const all = await ctx.store().listMessages(inbox.id, { limit: 10 });
        expect(all.data.map((m) => m.direction)).toEqual(['inbound', 'outbound']);
        expect(await ctx.store().getThread(org.id, sent.message.threadId)).toMatchObject({ messageCount: 2, lastMessageAt: T0 + 1 });
      });

      it('marks the job done with completeJobId, also when every copy was a duplicate', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const queue = `q-${tag()}`;
        const messageId = `<${tag()}@example.com>`;
        const job1 = await leased(queue, 'w1');
        expect(await ctx.store().storeInbound([makeStored(inbox, { direction: 'inbound', messageId })], job1.id)).toHaveLength(1);
        const job2 = await leased(queue, 'w1', T0 + 1);
        expect(await ctx.store().storeInbound([makeStored(inbox, { direction: 'inbound', messageId, at: T0 + 2 })], job2.id)).toEqual([]);
        expect(await ctx.store().depth(queue, T0 + 10 * LEASE)).toEqual({ pending: 0, oldestAgeMs: null });
        expect(await ctx.store().claim(queue, 'w2', LEASE, 10, T0 + 10 * LEASE)).toEqual([]);
      });

      it('finds the thread of an inbox by any Message-ID, newest match first', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const other = await newInbox(org.id);
        const old = makeStored(inbox, { direction: 'inbound', at: T0 });
        const newer = makeStored(inbox, { direction: 'inbound', at: T0 + 100 });
        await ctx.store().storeInbound([old, newer]);
        const unknown = `<${tag()}@example.com>`;
        expect(await ctx.store().findThreadByMessageIds(inbox.id, [old.message.messageId])).toBe(old.message.threadId);
        expect(await ctx.store().findThreadByMessageIds(inbox.id, [unknown, old.message.messageId, newer.message.messageId])).toBe(newer.message.threadId);
        expect(await ctx.store().findThreadByMessageIds(inbox.id, [unknown])).toBeNull();
        expect(await ctx.store().findThreadByMessageIds(inbox.id, [])).toBeNull();
        expect(await ctx.store().findThreadByMessageIds(other.id, [old.message.messageId])).toBeNull();
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
          const p = await ctx.store().listMessages(inbox.id, { limit: 3, cursor });
          seen.push(...ids(p.data));
          cursor = p.nextCursor;
        } while (cursor);
        expect(seen).toEqual(newestFirst);
        const first = await ctx.store().listMessages(inbox.id, { limit: 3 });
        expect(first.data[0]).toEqual(sent[6]);
        expect(first.nextCursor).toBe(newestFirst[2]);
        expect((await ctx.store().listMessages(inbox.id, { limit: 7 })).nextCursor).toBeNull();
        expect(await ctx.store().listMessages(newId('inb'), { limit: 3 })).toEqual({ data: [], nextCursor: null });
      });

      it('filters by direction and status', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const [a, b, c] = await sendMany(inbox, 3);
        const inbound = makeStored(inbox, { direction: 'inbound', at: T0 + 10 });
        await ctx.store().storeInbound([inbound]);
        await ctx.store().setMessageStatus({
          messageId: b!.id, status: 'delivered', reason: null, event: { id: newId('evt', T0 + 20), messageId: b!.id, type: 'delivered', detail: null, createdAt: T0 + 20 },
        });
        expect(ids((await ctx.store().listMessages(inbox.id, { limit: 10, direction: 'inbound' })).data)).toEqual([inbound.message.id]);
        expect(ids((await ctx.store().listMessages(inbox.id, { limit: 10, direction: 'outbound' })).data)).toEqual([c!.id, b!.id, a!.id]);
        expect(ids((await ctx.store().listMessages(inbox.id, { limit: 10, status: 'queued' })).data)).toEqual([c!.id, a!.id]);
        expect(ids((await ctx.store().listMessages(inbox.id, { limit: 10, status: 'delivered', direction: 'outbound' })).data)).toEqual([b!.id]);
        expect(ids((await ctx.store().listMessages(inbox.id, { limit: 10, status: 'received', direction: 'outbound' })).data)).toEqual([]);
        const paged = await ctx.store().listMessages(inbox.id, { limit: 1, status: 'queued' });
        expect(ids(paged.data)).toEqual([c!.id]);
        expect(ids((await ctx.store().listMessages(inbox.id, { limit: 1, status: 'queued', cursor: paged.nextCursor })).data)).toEqual([a!.id]);
      });

      it('lists messages newer than `after`, oldest first, ignoring the cursor', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const sent = await sendMany(inbox, 6);
        const all = ids(sent);
        const p1 = await ctx.store().listMessages(inbox.id, { limit: 2, after: all[1] });
        expect(ids(p1.data)).toEqual([all[2], all[3]]);
        expect(p1.nextCursor).toBe(all[3]);
        const p2 = await ctx.store().listMessages(inbox.id, { limit: 2, after: p1.nextCursor, cursor: all[5] });
        expect(ids(p2.data)).toEqual([all[4], all[5]]);
        expect(p2.nextCursor).toBeNull();
        expect(await ctx.store().listMessages(inbox.id, { limit: 2, after: all[5] })).toEqual({ data: [], nextCursor: null });
        const inbound = makeStored(inbox, { direction: 'inbound', at: T0 + 100 });
        await ctx.store().storeInbound([inbound]);
        expect(ids((await ctx.store().listMessages(inbox.id, { limit: 10, after: all[0], direction: 'inbound' })).data)).toEqual([inbound.message.id]);
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
        await ctx.store().storeInbound([item]);
        const raw = await ctx.store().getRaw(item.message.id);
        expect(raw).toBeInstanceOf(Uint8Array);
        expect(Array.from(raw!)).toEqual(Array.from(ALL_BYTES));
        const all = await ctx.store().getAttachment(item.message.id, item.attachments[0]!.id);
        expect(Array.from(all!.content)).toEqual(Array.from(ALL_BYTES));
        const gotBig = await ctx.store().getAttachment(item.message.id, item.attachments[1]!.id);
        expect(gotBig!.size).toBe(big.byteLength);
        expect(gotBig!.content.byteLength).toBe(big.byteLength);
        expect(gotBig!.content.every((b, i) => b === big[i])).toBe(true);
        expect((await ctx.store().listAttachments(item.message.id)).map((a) => a.size)).toEqual([ALL_BYTES.byteLength, big.byteLength]);
        expect(await ctx.store().getAttachment(newId('msg'), item.attachments[0]!.id)).toBeNull();
        expect(await ctx.store().getAttachment(item.message.id, newId('att'))).toBeNull();
        expect(await ctx.store().getRaw(newId('msg'))).toBeNull();
      });

      it('lists a message’s events in order', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const item = makeStored(inbox, { eventTypes: ['queued', 'signed', 'handed_over'] });
        await ctx.store().createOutbound(outboundWrite(item, `q-${tag()}`));
        expect((await ctx.store().listMessageEvents(item.message.id)).map((e) => e.type)).toEqual(['queued', 'signed', 'handed_over']);
        expect(await ctx.store().listMessageEvents(newId('msg'))).toEqual([]);
      });

      it('sets a status with its event, and completes the job with it', async () => {
        const { org } = await newOrg();
        const inbox = await newInbox(org.id);
        const queue = `q-${tag()}`;
        const item = makeStored(inbox);
        const write = outboundWrite(item, queue);
        await ctx.store().createOutbound(write);
        const [job] = await ctx.store().claim(queue, 'w1', LEASE, 10, T0);
        expect(job?.id).toBe(write.job.id);
        const sentAt = T0 + 1000;
        const event: MessageEvent = { id: newId('evt', sentAt), messageId: item.message.id, type: 'sent', detail: { response: '250 OK' }, createdAt: sentAt };
        await ctx.store().setMessageStatus({ messageId: item.message.id, status: 'sent', reason: '250 OK', event }, job!.id);
        expect(await ctx.store().getMessageById(item.message.id)).toEqual({ ...item.message, status: 'sent', statusReason: '250 OK', updatedAt: sentAt });
        expect(await ctx.store().listMessageEvents(item.message.id)).toEqual([...item.events, event]);
        expect(await ctx.store().claim(queue, 'w2', LEASE, 10, T0 + 10 * LEASE)).toEqual([]);
        expect((await ctx.store().depth(queue, sentAt)).pending).toBe(0);

        const bounceAt = sentAt + 1000;
        const bounce: MessageEvent = { id: newId('evt', bounceAt), messageId: item.message.id, type: 'bounced', detail: null, createdAt: bounceAt };
        await ctx.store().setMessageStatus({ messageId: item.message.id, status: 'bounced', reason: '550 no such user', event: bounce });
        expect(await ctx.store().getMessageById(item.message.id)).toMatchObject({ status: 'bounced', statusReason: '550 no such user', updatedAt: bounceAt });
        expect((await ctx.store().listMessageEvents(item.message.id)).map((e) => e.type)).toEqual(['queued', 'sent', 'bounced']);
      });
    });
}
