import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';
import type { Message, MessageWithEvents } from '../../src/sdk/index.ts';

/** Everything acknowledged before a graceful restart is there after it. */
describe('graceful restart', () => {
  let server: TestServer;
  let key: string;
  let a: { id: string; address: string };
  let b: { id: string; address: string };
  const before = {} as {
    local: MessageWithEvents;
    outside: MessageWithEvents;
    inboundId: string;
    a: Message[];
    b: Message[];
    inboxes: unknown[];
    raw: Buffer;
  };

  function send(inboxId: string, body: unknown) {
    return server.api('POST', `/v1/inboxes/${inboxId}/messages`, { key, body, headers: { 'idempotency-key': randomUUID() } });
  }

  async function settled(id: string) {
    return server.until(async () => {
      const m = (await server.api('GET', `/v1/messages/${id}`, { key })).body;
      return m.status !== 'queued' && m;
    });
  }

  async function smtpDeliver(to: string, messageId: string) {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: server.smtpPort, secure: false, tls: { rejectUnauthorized: false } });
    try {
      await t.sendMail({ from: 'outside@example.net', to, subject: 'from outside', text: 'inbound before restart', messageId });
    } finally {
      t.close();
    }
  }

  async function snapshot(inboxId: string) {
    const res = await server.api('GET', `/v1/inboxes/${inboxId}/messages?limit=100`, { key });
    expect(res.status).toBe(200);
    return res.body.data;
  }

  beforeAll(async () => {
    server = await TestServer.start();
    ({ key } = await server.createOrg('restart'));
    a = await server.createInbox(key, 'before-a');
    b = await server.createInbox(key, 'before-b');

    const local = await send(a.id, { to: [b.address], subject: 'local before restart', text: 'a to b' });
    const outside = await send(a.id, { to: ['someone@example.com'], subject: 'outside before restart', text: 'sandboxed' });
    before.local = await settled(local.body.id);
    before.outside = await settled(outside.body.id);
    before.inboundId = `<restart-${Date.now()}@example.net>`;
    await smtpDeliver(a.address, before.inboundId);
    await server.until(async () => (await snapshot(a.id)).some((m: { message_id: string }) => m.message_id === before.inboundId));
    before.a = await snapshot(a.id);
    before.b = await snapshot(b.id);
    before.inboxes = (await server.api('GET', '/v1/inboxes', { key })).body.data;
    before.raw = Buffer.from(await (await fetch(`${server.url}/v1/messages/${before.local.id}/raw`, { headers: { authorization: `Bearer ${key}` } })).arrayBuffer());

    await server.restart();
    expect(server.exitCode).toBeNull();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('the same API key still works, on the same org and inboxes', async () => {
    const inboxes = await server.api('GET', '/v1/inboxes', { key });
    expect(inboxes.status).toBe(200);
    expect(inboxes.body.data).toEqual(before.inboxes);
    const keys = await server.api('GET', '/v1/keys', { key });
    expect(keys.status).toBe(200);
    expect(keys.body.data.length).toBeGreaterThanOrEqual(1);
    expect((await server.api('GET', '/v1/inboxes', { key: 'bw_not_a_real_key_0000000000000000' })).status).toBe(401);
  });

  it('sent, sandboxed and received mail is listed as before, with its events and bytes', async () => {
    expect(await snapshot(a.id)).toEqual(before.a);
    expect(await snapshot(b.id)).toEqual(before.b);
    const local = (await server.api('GET', `/v1/messages/${before.local.id}`, { key })).body;
    expect(local).toEqual(before.local);
    expect(local.status).toBe('delivered');
    expect((await server.api('GET', `/v1/messages/${before.outside.id}`, { key })).body.status).toBe('sandboxed');
    const raw = Buffer.from(await (await fetch(`${server.url}/v1/messages/${before.local.id}/raw`, { headers: { authorization: `Bearer ${key}` } })).arrayBuffer());
    expect(raw.equals(before.raw)).toBe(true);
  });

  it('keeps working: threads continue, sends and SMTP are accepted', async () => {
    const inB = before.b.find((m: { subject: string }) => m.subject === 'local before restart')!;
    const reply = await server.api('POST', `/v1/messages/${inB.id}/reply`, { key, body: { text: 'after restart' }, headers: { 'idempotency-key': randomUUID() } });
    expect(reply.status).toBe(202);
    expect(reply.body.thread_id).toBe(inB.thread_id);
    await settled(reply.body.id);
    const inA = await server.until(async () => (await snapshot(a.id)).find((m: { subject: string }) => m.subject === 'Re: local before restart'));
    expect(inA.thread_id).toBe(before.local.thread_id);

    const id = `<after-restart-${Date.now()}@example.net>`;
    await smtpDeliver(b.address, id);
    await server.until(async () => (await snapshot(b.id)).some((m: { message_id: string }) => m.message_id === id));
    // The operator token is read from the same place; a new org works.
    await server.createOrg('after-restart');
  });

  it('an idempotency key used before the restart still replays', async () => {
    const idem = randomUUID();
    const body = { to: [b.address], subject: 'idem across restart', text: 'x' };
    const first = await server.api('POST', `/v1/inboxes/${a.id}/messages`, { key, body, headers: { 'idempotency-key': idem } });
    expect(first.status).toBe(202);
    await server.restart();
    const again = await server.api('POST', `/v1/inboxes/${a.id}/messages`, { key, body, headers: { 'idempotency-key': idem } });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect((await settled(first.body.id)).status).toBe('delivered');
  });
});
