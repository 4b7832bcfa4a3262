import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';
import type { Message } from '../../src/sdk/index.ts';

/**
 * Two hosted agents that auto-reply to each other (DESIGN §1: ping-pong is caught per thread):
 * each side may reply into its thread BREAKWATER_MAIL_LOOP_MESSAGES times per window, then gets
 * 429 loop_detected naming the mail-loop rule, with nothing sent. A new conversation is unaffected.
 */
describe('mail loop between two auto-replying agents', () => {
  const PER_THREAD = 3;
  let server: TestServer;
  let keyA: string;
  let keyB: string;
  let a: { id: string; address: string };
  let b: { id: string; address: string };

  beforeAll(async () => {
    server = await TestServer.start({ env: { BREAKWATER_MAIL_LOOP_MESSAGES: String(PER_THREAD), BREAKWATER_MAIL_LOOP_WINDOW_S: '600' } });
    ({ key: keyA } = await server.createOrg('loop-a'));
    ({ key: keyB } = await server.createOrg('loop-b'));
    a = await server.createInbox(keyA, 'responder-a');
    b = await server.createInbox(keyB, 'responder-b');
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** The newest inbound message of an inbox once `count` have arrived. */
  async function newestInbound(key: string, inboxId: string, count: number): Promise<Message> {
    return server.until(async () => {
      const res = await server.api('GET', `/v1/inboxes/${inboxId}/messages?direction=inbound&limit=100`, { key });
      const data = res.body.data as Message[];
      return data.length >= count && data[0]!;
    }, 10_000);
  }

  function reply(key: string, messageId: string) {
    return server.api('POST', `/v1/messages/${messageId}/reply`, { key, body: { text: 'Thanks, noted! (automatic reply)' }, headers: { 'idempotency-key': randomUUID() } });
  }

  it('lets each side reply PER_THREAD times into its thread, then refuses the next with loop_detected', async () => {
    const first = await server.api('POST', `/v1/inboxes/${a.id}/messages`, {
      key: keyA, body: { to: [b.address], subject: 'Status?', text: 'Any news?' }, headers: { 'idempotency-key': randomUUID() },
    });
    expect(first.status).toBe(202);

    // B answers A, A answers B, …: every answer is a reply in the answering inbox's own thread.
    const accepted = { a: 0, b: 0 };
    let refused: { side: 'a' | 'b'; res: Awaited<ReturnType<typeof reply>> } | null = null;
    for (let round = 1; round <= PER_THREAD + 1 && !refused; round++) {
      const toB = await newestInbound(keyB, b.id, round);
      const fromB = await reply(keyB, toB.id);
      if (fromB.status !== 202) { refused = { side: 'b', res: fromB }; break; }
      accepted.b++;
      const toA = await newestInbound(keyA, a.id, round);
      const fromA = await reply(keyA, toA.id);
      if (fromA.status !== 202) { refused = { side: 'a', res: fromA }; break; }
      accepted.a++;
    }
    // A's first message started its thread (a send, not a reply): B runs out first.
    expect(accepted).toEqual({ b: PER_THREAD, a: PER_THREAD });
    expect(refused?.side).toBe('b');
    const res = refused!.res;
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body).toMatchObject({ code: 'loop_detected', rule: `mail-loop ${PER_THREAD}/10 min`, 'violated-policies': ['mail-loop'] });
    expect(res.body.fix).toMatch(/auto-reply/i);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.headers.get('ratelimit-policy')).toBe(`"mail-loop";q=${PER_THREAD};w=600`);

    // Nothing more crossed: B holds A's first message plus A's PER_THREAD replies, and no more arrive.
    await new Promise((r) => setTimeout(r, 500));
    const inboundB = await server.api('GET', `/v1/inboxes/${b.id}/messages?direction=inbound&limit=100`, { key: keyB });
    expect(inboundB.body.data).toHaveLength(PER_THREAD + 1);
    const outboundB = await server.api('GET', `/v1/inboxes/${b.id}/messages?direction=outbound&limit=100`, { key: keyB });
    expect(outboundB.body.data).toHaveLength(PER_THREAD);
  });

  it('leaves a new conversation between the same agents alone', async () => {
    const fresh = await server.api('POST', `/v1/inboxes/${b.id}/messages`, {
      key: keyB, body: { to: [a.address], subject: 'Another topic', text: 'Separate question.' }, headers: { 'idempotency-key': randomUUID() },
    });
    expect(fresh.status).toBe(202);
    const inA = await server.until(async () => {
      const res = await server.api('GET', `/v1/inboxes/${a.id}/messages?direction=inbound&limit=100`, { key: keyA });
      return (res.body.data as Message[]).find((m) => m.subject === 'Another topic');
    }, 10_000);
    expect((await reply(keyA, inA.id)).status).toBe(202);
  });
});
