/**
 * Happy paths of the API through the real app (app.request, in-memory SQLite). The edge's
 * traffic limits are out of the way (buildFunctionalApp): creating several inboxes with `{}`
 * is a repeated identical request, which loop detection rightly counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveMail } from '../../src/core/messages/receive.ts';
import { routeTable } from '../../src/http/routes/index.ts';
import { OPERATOR_TOKEN, type TestApp } from '../helpers/app.ts';
import { buildFunctionalApp, call, expectProblem, expectSane, idemKey, type Answer } from './http-helpers.ts';

let t: TestApp;
let org: { orgId: string; key: string };

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const id = (prefix: string) => new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`);

interface InboxBody { id: string; address: string; display_name: string | null; domain: string; created_at: string }

async function newInbox(json: Record<string, unknown> = {}, key = org.key): Promise<InboxBody> {
  const res = await call(t, 'POST', '/v1/inboxes', { key, json });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function send(inboxId: string, json: unknown, idem: string = idemKey(), key = org.key): Promise<Answer> {
  return call(t, 'POST', `/v1/inboxes/${inboxId}/messages`, { key, json, headers: { 'idempotency-key': idem } });
}

beforeAll(async () => {
  t = await buildFunctionalApp();
  org = await t.createOrg();
});

afterAll(async () => {
  await t.close();
});

describe('orgs', () => {
  it('the operator creates an org with its first org key, shown once', async () => {
    const res = await call(t, 'POST', '/v1/orgs', { key: OPERATOR_TOKEN, json: { name: 'Acme agents' } });
    expectSane(res);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ org: { id: expect.stringMatching(id('org')), name: 'Acme agents', plan: 'free' }, api_key: expect.stringMatching(/^bw_[A-Za-z0-9_-]{32}$/) });
    const keys = await call(t, 'GET', '/v1/keys', { key: res.body.api_key });
    expect(keys.status).toBe(200);
    expect(keys.body.data).toEqual([expect.objectContaining({ scopes: ['org'], revoked_at: null })]);
    expect(keys.text).not.toContain(res.body.api_key);
  });
});

describe('keys', () => {
  it('lists keys without their secret', async () => {
    const res = await call(t, 'GET', '/v1/keys', { key: org.key });
    expect(res.status).toBe(200);
    expect(res.body.next_cursor).toBeNull();
    for (const k of res.body.data) {
      expect(Object.keys(k).sort()).toEqual(['created_at', 'id', 'inbox_ids', 'name', 'prefix', 'revoked_at', 'scopes']);
      expect(k.id).toMatch(id('key'));
      expect(k.created_at).toMatch(ISO);
    }
    expect(res.text).not.toContain(org.key);
  });

  it('creates an org key, shown once, that works at once', async () => {
    const res = await call(t, 'POST', '/v1/keys', { key: org.key, json: { name: 'worker', scopes: ['org'] } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(id('key')), name: 'worker', scopes: ['org'], inbox_ids: [], prefix: res.body.api_key.slice(0, 7),
      created_at: expect.stringMatching(ISO), revoked_at: null, api_key: expect.stringMatching(/^bw_[A-Za-z0-9_-]{32}$/),
    });
    expect((await call(t, 'GET', '/v1/inboxes', { key: res.body.api_key })).status).toBe(200);
    const list = await call(t, 'GET', '/v1/keys?limit=100', { key: org.key });
    expect(list.body.data.map((k: { id: string }) => k.id)).toContain(res.body.id);
    expect(list.text).not.toContain(res.body.api_key);
    expect(list.body.data.every((k: object) => !('api_key' in k))).toBe(true);
  });

  it('creates an inbox-scoped key that sees only its inboxes', async () => {
    const mine = await newInbox();
    const other = await newInbox();
    const res = await call(t, 'POST', '/v1/keys', { key: org.key, json: { name: 'agent-7', scopes: ['inbox'], inbox_ids: [mine.id, mine.id] } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ scopes: ['inbox'], inbox_ids: [mine.id] });
    const scoped = res.body.api_key;
    const list = await call(t, 'GET', '/v1/inboxes?limit=100', { key: scoped });
    expect(list.body.data.map((i: { id: string }) => i.id)).toEqual([mine.id]);
    expect((await call(t, 'GET', `/v1/inboxes/${mine.id}`, { key: scoped })).status).toBe(200);
    expect((await call(t, 'GET', `/v1/inboxes/${other.id}`, { key: scoped })).status).toBe(404);
    const sent = await send(mine.id, { to: ['a@example.com'], text: 'hi' }, idemKey(), scoped);
    expect(sent.status).toBe(202);
    const threads = await call(t, 'GET', '/v1/threads?limit=100', { key: scoped });
    expect(threads.body.data.map((th: { inbox_id: string }) => th.inbox_id)).toEqual([mine.id]);
  });

  it('revokes a key: it stops working at once, and a second revoke changes nothing', async () => {
    const created = (await call(t, 'POST', '/v1/keys', { key: org.key, json: { name: 'short-lived' } })).body;
    expect((await call(t, 'GET', '/v1/inboxes', { key: created.api_key })).status).toBe(200); // now cached
    const revoked = await call(t, 'DELETE', `/v1/keys/${created.id}`, { key: org.key });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: created.id, revoked_at: expect.stringMatching(ISO) });
    expect(revoked.body).not.toHaveProperty('api_key');
    expectProblem(await call(t, 'GET', '/v1/inboxes', { key: created.api_key }), 401, 'unauthorized');
    const again = await call(t, 'DELETE', `/v1/keys/${created.id}`, { key: org.key });
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
  });

  it('a key may revoke itself', async () => {
    const created = (await call(t, 'POST', '/v1/keys', { key: org.key, json: { name: 'self' } })).body;
    expect((await call(t, 'DELETE', `/v1/keys/${created.id}`, { key: created.api_key })).status).toBe(200);
    expectProblem(await call(t, 'GET', '/v1/keys', { key: created.api_key }), 401, 'unauthorized');
  });
});

describe('inboxes', () => {
  it('creates, reads, updates and deletes an inbox', async () => {
    const username = `Agent.${Date.now()}`;
    const created = await call(t, 'POST', '/v1/inboxes', { key: org.key, json: { username, display_name: 'Agent Seven' } });
    expectSane(created);
    expect(created.status).toBe(201);
    const inbox = created.body;
    expect(inbox).toEqual({
      id: expect.stringMatching(id('inb')), address: `${username.toLowerCase()}@agents.localhost`, display_name: 'Agent Seven',
      domain: 'agents.localhost', created_at: expect.stringMatching(ISO), reputation: { state: expect.any(String) },
    });
    expect((await call(t, 'GET', `/v1/inboxes/${inbox.id}`, { key: org.key })).body).toEqual(inbox);

    const renamed = await call(t, 'PATCH', `/v1/inboxes/${inbox.id}`, {
      key: org.key, body: JSON.stringify({ display_name: 'Agent "Seven" — ✓' }), headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ ...inbox, display_name: 'Agent "Seven" — ✓' });
    expect((await call(t, 'PATCH', `/v1/inboxes/${inbox.id}`, { key: org.key, json: {} })).body.display_name).toBe('Agent "Seven" — ✓');
    expect((await call(t, 'PATCH', `/v1/inboxes/${inbox.id}`, { key: org.key, json: { display_name: null } })).body).toEqual({ ...inbox, display_name: null });

    const deleted = await call(t, 'DELETE', `/v1/inboxes/${inbox.id}`, { key: org.key });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect(deleted.headers.get('x-request-id')).toMatch(/^req_/);
    expectProblem(await call(t, 'GET', `/v1/inboxes/${inbox.id}`, { key: org.key }), 404, 'not_found');
    expectProblem(await call(t, 'DELETE', `/v1/inboxes/${inbox.id}`, { key: org.key }), 404, 'not_found');
    // The address is free again.
    expect((await call(t, 'POST', '/v1/inboxes', { key: org.key, json: { username } })).status).toBe(201);
  });

  it('refuses a taken address with 409, in any case', async () => {
    const inbox = await newInbox({ username: `taken-${Date.now()}` });
    const again = await call(t, 'POST', '/v1/inboxes', { key: org.key, json: { username: inbox.address.split('@')[0]!.toUpperCase() } });
    expectProblem(again, 409, 'conflict');
  });

  it('generates a username when none is given', async () => {
    const inbox = await newInbox();
    expect(inbox.address).toMatch(/^[a-z0-9._+-]+@agents\.localhost$/);
  });

  it('lists inboxes newest first; the cursor walks them all once', async () => {
    const other = await t.createOrg();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await newInbox({}, other.key)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Answer = await call(t, 'GET', `/v1/inboxes?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: other.key });
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((i: { id: string }) => i.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...made].reverse());
    const firstPage = await call(t, 'GET', '/v1/inboxes', { key: other.key });
    expect(firstPage.body.next_cursor).toBeNull();
    expect(firstPage.body.data).toHaveLength(5);
  });
});

describe('messages', () => {
  let inbox: InboxBody;
  const HELLO = { to: ['someone@example.com'], cc: ['copy@example.com'], bcc: ['hidden@example.com'], subject: 'Hello', text: 'Hi there', html: '<p>Hi there</p>' };

  beforeAll(async () => {
    inbox = await newInbox({ display_name: 'Sender' });
  });

  it('accepts a send with 202 {id, thread_id, status: queued}, stored with its details', async () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const content = btoa(String.fromCharCode(...bytes));
    const res = await send(inbox.id, { ...HELLO, headers: { 'X-Agent-Run': 'r-1' }, attachments: [{ filename: 'bytes.bin', content }] });
    expectSane(res);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: expect.stringMatching(id('msg')), thread_id: expect.stringMatching(id('thr')), status: 'queued' });
    expect(Object.keys(res.body)).toHaveLength(3);

    const got = await call(t, 'GET', `/v1/messages/${res.body.id}`, { key: org.key });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: res.body.id, inbox_id: inbox.id, thread_id: res.body.thread_id, direction: 'outbound', status: 'queued',
      from: `Sender <${inbox.address}>`, to: HELLO.to, cc: HELLO.cc, subject: 'Hello', text: 'Hi there', html: '<p>Hi there</p>',
      message_id: expect.stringMatching(/^<[0-9a-f]+@agents\.localhost>$/), in_reply_to: null, references: [],
      attachments: [{ id: expect.stringMatching(id('att')), filename: 'bytes.bin', content_type: 'application/octet-stream', size: 256 }],
      created_at: expect.stringMatching(ISO),
    });
    expect(got.body.events.map((e: { type: string }) => e.type)).toEqual(['queued']);

    const raw = await call(t, 'GET', `/v1/messages/${res.body.id}/raw`, { key: org.key });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('message/rfc822');
    expect(raw.text).toContain('Subject: Hello');
    expect(raw.text).toContain('X-Agent-Run: r-1');
    expect(raw.text).not.toMatch(/^Bcc:/im);

    const file = await t.app.request(`/v1/messages/${res.body.id}/attachments/${got.body.attachments[0].id}`, { headers: { authorization: `Bearer ${org.key}` } });
    expect(file.status).toBe(200);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
    expect(file.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(file.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('lists messages newest first, with direction, status, cursor and after', async () => {
    const box = await newInbox();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await send(box.id, { ...HELLO, subject: `n${i}` })).body.id);
    const all = await call(t, 'GET', `/v1/inboxes/${box.id}/messages`, { key: org.key });
    expect(all.body.data.map((m: { id: string }) => m.id)).toEqual([...ids].reverse());
    expect(all.body.data[0]).not.toHaveProperty('events');
    const p1 = await call(t, 'GET', `/v1/inboxes/${box.id}/messages?limit=3`, { key: org.key });
    expect(p1.body.next_cursor).toBe(ids[1]);
    const p2 = await call(t, 'GET', `/v1/inboxes/${box.id}/messages?limit=3&cursor=${p1.body.next_cursor}`, { key: org.key });
    expect(p2.body).toMatchObject({ data: [{ id: ids[0] }], next_cursor: null });
    const newer = await call(t, 'GET', `/v1/inboxes/${box.id}/messages?after=${ids[1]}`, { key: org.key });
    expect(newer.body.data.map((m: { id: string }) => m.id)).toEqual([ids[2], ids[3]]);
    expect((await call(t, 'GET', `/v1/inboxes/${box.id}/messages?direction=inbound`, { key: org.key })).body.data).toEqual([]);
    expect((await call(t, 'GET', `/v1/inboxes/${box.id}/messages?direction=outbound&status=queued&limit=1`, { key: org.key })).body.data).toHaveLength(1);
  });

  it('long-polls: wait returns as soon as a new message arrives', async () => {
    const box = await newInbox();
    const first = (await send(box.id, HELLO)).body.id;
    const started = Date.now();
    const poll = call(t, 'GET', `/v1/inboxes/${box.id}/messages?after=${first}&wait=10`, { key: org.key });
    await new Promise((r) => setTimeout(r, 50));
    const second = (await send(box.id, { ...HELLO, subject: 'second' })).body.id;
    const res = await poll;
    expect(res.status).toBe(200);
    expect(res.body.data.map((m: { id: string }) => m.id)).toEqual([second]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('treats the quoted and bare Idempotency-Key as one key, and replays the first answer', async () => {
    const key = idemKey();
    const box = await newInbox();
    const first = await send(box.id, HELLO, key);
    expect(first.status).toBe(202);
    const quoted = await send(box.id, HELLO, `"${key}"`);
    expect(quoted.status).toBe(202);
    expect(quoted.body).toEqual(first.body);
    const bare = await send(box.id, HELLO, key);
    expect(bare.body).toEqual(first.body);
    const list = await call(t, 'GET', `/v1/inboxes/${box.id}/messages`, { key: org.key });
    expect(list.body.data.map((m: { id: string }) => m.id)).toEqual([first.body.id]);
    expectProblem(await send(box.id, { ...HELLO, subject: 'changed' }, key), 422, 'idempotency_conflict');
  });

  it('two requests with one key at once: one message, never two ids', async () => {
    const box = await newInbox();
    const key = idemKey();
    const [a, b] = await Promise.all([send(box.id, HELLO, key), send(box.id, HELLO, key)]);
    const answers = [a!, b!];
    for (const r of answers) expectSane(r);
    const accepted = answers.filter((r) => r.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(new Set(accepted.map((r) => r.body.id)).size).toBe(1);
    for (const r of answers.filter((x) => x.status !== 202)) {
      expectProblem(r, 409, 'idempotency_in_progress');
      expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    const list = await call(t, 'GET', `/v1/inboxes/${box.id}/messages`, { key: org.key });
    expect(list.body.data.map((m: { id: string }) => m.id)).toEqual([accepted[0]!.body.id]);
  });

  it('different keys at once: as many messages', async () => {
    const box = await newInbox();
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => send(box.id, { ...HELLO, subject: `m${i}` })));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(202));
    expect(new Set(answers.map((r) => r.body.id)).size).toBe(8);
  });

  it('replies in the thread with In-Reply-To and References', async () => {
    const box = await newInbox();
    const original = (await send(box.id, HELLO)).body;
    const origMsg = (await call(t, 'GET', `/v1/messages/${original.id}`, { key: org.key })).body;
    const reply = await call(t, 'POST', `/v1/messages/${original.id}/reply`, { key: org.key, json: { text: 'following up' }, headers: { 'idempotency-key': idemKey() } });
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ id: expect.stringMatching(id('msg')), thread_id: original.thread_id, status: 'queued' });
    const got = (await call(t, 'GET', `/v1/messages/${reply.body.id}`, { key: org.key })).body;
    expect(got).toMatchObject({ subject: 'Re: Hello', to: HELLO.to, in_reply_to: origMsg.message_id, references: [origMsg.message_id] });
    const raw = await call(t, 'GET', `/v1/messages/${reply.body.id}/raw`, { key: org.key });
    expect(raw.text).toContain(`In-Reply-To: ${origMsg.message_id}`);
  });

  it('replies to received mail, also when its Message-ID and From are unusual', async () => {
    const box = await newInbox();
    const model = (await t.store.getInbox(org.orgId, box.id))!;
    const mails = [
      `From: Ann <ann@example.com>\r\nTo: ${box.address}\r\nSubject: Question\r\nMessage-ID: <q1@example.com>\r\n\r\nHello?\r\n`,
      `From: Bob <bob@example.com>\r\nTo: ${box.address}\r\nSubject: Odd id\r\nMessage-ID: <no-at-sign>\r\nReferences: <a b> <c@d>\r\n\r\nHi\r\n`,
      `To: ${box.address}\r\nSubject: No sender\r\n\r\nWho am I\r\n`,
      `From: not an address\r\nTo: ${box.address}, "weird" <x@[1.2.3.4]>\r\nSubject: =?UTF-8?B?${btoa('Line\r\nBcc: victim@example.com')}?=\r\nMessage-ID: <${'x'.repeat(950)}@example.com>\r\n\r\nHi\r\n`,
    ];
    for (const [i, mail] of mails.entries()) {
      const envelopeFrom = i === 2 ? null : 'bounce@example.com';
      const [received] = await receiveMail(t.deps, { raw: new TextEncoder().encode(mail), inboxes: [model], envelopeFrom, via: 'smtp' });
      for (const json of [{ text: 'Answer' }, { text: 'Answer all', reply_all: true }, { text: 'Answer', to: ['ann@example.com'] }]) {
        const res = await call(t, 'POST', `/v1/messages/${received!.id}/reply`, { key: org.key, json, headers: { 'idempotency-key': idemKey() } });
        expectSane(res);
        if (res.status !== 202) expectProblem(res, 422, 'validation_failed');
        else expect(res.body.thread_id).toBe(received!.threadId);
        // An explicit recipient always works, however odd the original.
        if (json.to) expect(res.status, `mail ${i}: ${res.text}`).toBe(202);
      }
    }
  });
});

describe('threads', () => {
  it('lists threads, filtered by inbox, and shows one with its messages oldest first', async () => {
    const box = await newInbox();
    const other = await newInbox();
    const first = (await send(box.id, { to: ['a@example.com'], subject: 'Topic', text: '1' })).body;
    const second = (await call(t, 'POST', `/v1/messages/${first.id}/reply`, { key: org.key, json: { text: '2' }, headers: { 'idempotency-key': idemKey() } })).body;
    await send(other.id, { to: ['a@example.com'], subject: 'Elsewhere', text: '3' });

    const list = await call(t, 'GET', `/v1/threads?inbox_id=${box.id}`, { key: org.key });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      data: [{ id: first.thread_id, inbox_id: box.id, subject: 'Topic', message_count: 2, last_message_at: expect.stringMatching(ISO), created_at: expect.stringMatching(ISO) }],
      next_cursor: null,
    });
    const all = await call(t, 'GET', '/v1/threads?limit=2', { key: org.key });
    expect(all.body.data).toHaveLength(2);
    expect(all.body.next_cursor).toEqual(expect.stringMatching(id('thr')));

    const thread = await call(t, 'GET', `/v1/threads/${first.thread_id}`, { key: org.key });
    expect(thread.status).toBe(200);
    expect(thread.body).toMatchObject({ id: first.thread_id, message_count: 2 });
    expect(thread.body.messages.map((m: { id: string }) => m.id)).toEqual([first.id, second.id]);
  });
});

describe('system', () => {
  it('answers health and readiness', async () => {
    expect((await call(t, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await call(t, 'GET', '/readyz')).status).toBe(200);
  });

  it('serves an OpenAPI 3.1 document with every route of the table', async () => {
    const res = await call(t, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const operationIds = new Set<string>();
    for (const r of routeTable()) {
      const path = r.path.replace(/:(\w+)/g, '{$1}');
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${r.path} is missing`).toBeDefined();
      expect(op.operationId).toBe(r.operationId);
      expect(operationIds.has(op.operationId)).toBe(false);
      operationIds.add(op.operationId);
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      for (const m of r.path.matchAll(/:(\w+)/g)) {
        expect(op.parameters).toContainEqual(expect.objectContaining({ name: m[1], in: 'path', required: true }));
      }
      if (r.body) {
        const schema = op.requestBody?.content?.['application/json']?.schema;
        expect(schema, `${r.method} ${r.path} has no request schema`).toMatchObject({ type: 'object', properties: expect.any(Object) });
      }
      if (r.idempotent) expect(op.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }));
    }
    const documented = Object.entries(doc.paths as Record<string, object>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(documented.sort()).toEqual(routeTable().map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`).sort());
  });

  it('serves the API reference from local assets, never a CDN', async () => {
    const res = await call(t, 'GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).toContain('/docs/assets/');
    expect(res.text).not.toMatch(/https?:\/\//);
    expect(res.text).not.toMatch(/src="\/\//);
    for (const [, src] of res.text.matchAll(/(?:src|href)="([^"]+)"/g)) expect(src).toMatch(/^\/docs\/assets\//);
    const init = await call(t, 'GET', '/docs/assets/init.js');
    expect(init.status).toBe(200);
    expect(init.text).toContain('/openapi.json');
    expect(init.text).not.toMatch(/https?:\/\//);
  });
});
