import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';
import type { Message, MessageWithEvents } from '../../src/sdk/index.ts';

/** Agents on one host mail each other with no relay: local delivery through the inbound pipeline. */
describe('agent to agent on one host', () => {
  let server: TestServer;
  let keyA: string;
  let keyB: string;
  let a: { id: string; address: string };
  let b: { id: string; address: string };

  function send(key: string, inboxId: string, body: unknown, idem: string = randomUUID()) {
    return server.api('POST', `/v1/inboxes/${inboxId}/messages`, { key, body, headers: { 'idempotency-key': idem } });
  }

  async function list(key: string, inboxId: string, query = '') {
    const res = await server.api('GET', `/v1/inboxes/${inboxId}/messages?limit=100${query}`, { key });
    expect(res.status).toBe(200);
    return res.body.data as Message[];
  }

  async function message(key: string, id: string): Promise<MessageWithEvents> {
    const res = await server.api('GET', `/v1/messages/${id}`, { key });
    expect(res.status).toBe(200);
    return res.body;
  }

  async function finalStatus(key: string, id: string, timeoutMs = 10_000) {
    return server.until(async () => {
      const m = await message(key, id);
      return m.status !== 'queued' && m;
    }, timeoutMs);
  }

  beforeAll(async () => {
    server = await TestServer.start();
    // Two orgs: local delivery crosses org boundaries like any other mail.
    ({ key: keyA } = await server.createOrg('org-a'));
    ({ key: keyB } = await server.createOrg('org-b'));
    a = await server.createInbox(keyA, 'agent-a');
    b = await server.createInbox(keyB, 'agent-b');
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe('a conversation', () => {
    let sent: { id: string; thread_id: string };
    let outA: MessageWithEvents;
    let inB: Message;

    it('A sends to B: 202 queued, B receives it, A\'s copy ends delivered', async () => {
      const res = await send(keyA, a.id, { to: [b.address], subject: 'Plan for Tuesday', text: 'Shall we meet at ten?' });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ id: expect.stringMatching(/^msg_/), thread_id: expect.stringMatching(/^thr_/), status: 'queued' });
      sent = res.body;

      outA = await finalStatus(keyA, sent.id);
      expect(outA.status).toBe('delivered');
      expect(outA.direction).toBe('outbound');
      expect(outA.thread_id).toBe(sent.thread_id);
      expect(outA.events.map((e: { type: string }) => e.type)).toEqual(['queued', 'delivered']);

      const inbound = await list(keyB, b.id, '&direction=inbound');
      expect(inbound).toHaveLength(1);
      inB = inbound[0]!;
      expect(inB).toMatchObject({
        direction: 'inbound', status: 'received', subject: 'Plan for Tuesday', message_id: outA.message_id, to: [b.address],
      });
      expect(inB.from).toContain(a.address);
      expect(inB.text?.trim()).toBe('Shall we meet at ten?');
      // B's copy lives in B's own thread, not in A's.
      expect(inB.thread_id).not.toBe(sent.thread_id);
      const detail = await message(keyB, inB.id);
      expect(detail.events[0]).toMatchObject({ type: 'received', detail: { via: 'local', envelope_from: `bounces+${sent.id.toLowerCase()}@agents.localhost` } });
      // Another org cannot see either copy.
      expect((await server.api('GET', `/v1/messages/${inB.id}`, { key: keyA })).status).toBe(404);
      expect((await server.api('GET', `/v1/messages/${sent.id}`, { key: keyB })).status).toBe(404);
    });

    it('B replies: A receives it in A\'s original thread with In-Reply-To and References', async () => {
      const res = await server.api('POST', `/v1/messages/${inB.id}/reply`, { key: keyB, body: { text: 'Ten works.' }, headers: { 'idempotency-key': randomUUID() } });
      expect(res.status).toBe(202);
      expect(res.body.thread_id).toBe(inB.thread_id);
      const outB = await finalStatus(keyB, res.body.id);
      expect(outB).toMatchObject({ status: 'delivered', subject: 'Re: Plan for Tuesday', to: [a.address], in_reply_to: outA.message_id, references: [outA.message_id] });

      const inA = await server.until(async () => (await list(keyA, a.id, '&direction=inbound'))[0]);
      expect(inA).toMatchObject({
        thread_id: sent.thread_id, subject: 'Re: Plan for Tuesday', message_id: outB.message_id,
        in_reply_to: outA.message_id, references: [outA.message_id],
      });
      expect(inA.text?.trim()).toBe('Ten works.');
      const thread = await server.api('GET', `/v1/threads/${sent.thread_id}`, { key: keyA });
      expect(thread.status).toBe(200);
      expect(thread.body.message_count).toBe(2);
      expect(thread.body.messages.map((m: { id: string }) => m.id)).toEqual([sent.id, inA.id]);

      // A answers back: the chain grows, B threads it with the first two.
      const again = await server.api('POST', `/v1/messages/${inA.id}/reply`, { key: keyA, body: { text: 'See you.' }, headers: { 'idempotency-key': randomUUID() } });
      expect(again.status).toBe(202);
      expect(again.body.thread_id).toBe(sent.thread_id);
      const third = await finalStatus(keyA, again.body.id);
      expect(third).toMatchObject({ status: 'delivered', subject: 'Re: Plan for Tuesday', in_reply_to: outB.message_id, references: [outA.message_id, outB.message_id] });
      const inB2 = await server.until(async () => (await list(keyB, b.id, '&direction=inbound')).find((m) => m.message_id === third.message_id));
      expect(inB2.thread_id).toBe(inB.thread_id);
    });
  });

  describe('idempotency', () => {
    it('a retry with the same key and body answers the same id and creates one message', async () => {
      const idem = randomUUID();
      const body = { to: [b.address], subject: `idempotent ${idem}`, text: 'exactly once' };
      const first = await send(keyA, a.id, body, idem);
      expect(first.status).toBe(202);
      const retries = await Promise.all([send(keyA, a.id, body, idem), send(keyA, a.id, body, `"${idem}"`)]);
      for (const r of retries) {
        expect(r.status).toBe(202);
        expect(r.body).toEqual(first.body);
      }
      await finalStatus(keyA, first.body.id);
      const mine = (await list(keyA, a.id, '&direction=outbound')).filter((m) => m.subject === body.subject);
      expect(mine.map((m) => m.id)).toEqual([first.body.id]);
      const theirs = (await list(keyB, b.id, '&direction=inbound')).filter((m) => m.subject === body.subject);
      expect(theirs).toHaveLength(1);
    });

    it('the same key with another body is 422 idempotency_conflict', async () => {
      const idem = randomUUID();
      expect((await send(keyA, a.id, { to: [b.address], subject: 'one', text: 'first' }, idem)).status).toBe(202);
      const conflict = await send(keyA, a.id, { to: [b.address], subject: 'one', text: 'second' }, idem);
      expect(conflict.status).toBe(422);
      expect(conflict.headers.get('content-type')).toContain('application/problem+json');
      expect(conflict.body.code).toBe('idempotency_conflict');
      // The same key on another path is another request too.
      const reply = await server.api('POST', `/v1/messages/${(await list(keyA, a.id))[0]!.id}/reply`, { key: keyA, body: { text: 'x' }, headers: { 'idempotency-key': idem } });
      expect(reply.status).toBe(422);
      expect(reply.body.code).toBe('idempotency_conflict');
    });

    it('a send without Idempotency-Key is 400 missing_header', async () => {
      const res = await server.api('POST', `/v1/inboxes/${a.id}/messages`, { key: keyA, body: { to: [b.address], text: 'x' } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('missing_header');
    });
  });

  describe('without a relay', () => {
    it('holds mail to an outside address in the sandbox', async () => {
      const res = await send(keyA, a.id, { to: ['someone@example.com'], subject: 'outside', text: 'hello world' });
      expect(res.status).toBe(202);
      const m = await finalStatus(keyA, res.body.id);
      expect(m.status).toBe('sandboxed');
      expect(m.status_reason).toMatch(/sandbox/);
      expect(m.events.map((e: { type: string }) => e.type)).toEqual(['queued', 'sandboxed']);
    });

    it('delivers the hosted recipients and sandboxes the rest of a mixed message', async () => {
      const res = await send(keyA, a.id, { to: [b.address], cc: ['someone@example.com'], subject: 'mixed', text: 'hi' });
      const m = await finalStatus(keyA, res.body.id);
      expect(m.status).toBe('sandboxed');
      expect(m.events.at(-1)!.detail).toMatchObject({ local: [b.address], sandboxed: ['someone@example.com'] });
      expect((await list(keyB, b.id, '&direction=inbound')).some((x) => x.subject === 'mixed')).toBe(true);
    });

    it('fails mail to an unknown hosted address', async () => {
      const res = await send(keyA, a.id, { to: ['nobody-at-all@agents.localhost'], subject: 'lost', text: 'hi' });
      const m = await finalStatus(keyA, res.body.id);
      expect(m.status).toBe('failed');
      expect(m.status_reason).toMatch(/no such recipient/);
    });
  });
});
