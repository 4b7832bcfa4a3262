/**
 * Error and security cases of every route, as tables: each bad input must get its status and
 * stable code as application/problem+json, with the request id of its X-Request-Id header,
 * no stack, and never a 500 (DESIGN §4 errors).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiB, type RoutePolicy } from '../../src/http/policy.ts';
import { routeTable } from '../../src/http/routes/index.ts';
import { OPERATOR_TOKEN, type TestApp } from '../helpers/app.ts';
import { buildFunctionalApp, call, expectProblem, expectSane, fillPath, idemKey, type Answer, type Call } from './http-helpers.ts';

const table = routeTable();
const keyRoutes = table.filter((r) => r.auth === 'key' || r.auth === 'operator_or_key');
const operatorRoutes = table.filter((r) => r.auth === 'operator');
const bodyRoutes = table.filter((r) => r.body);
const queryRoutes = table.filter((r) => r.query);

let t: TestApp;
/** Two orgs; A has two inboxes and keys of every kind, B one inbox with mail. */
const f = {
  a: { key: '', orgId: '' }, b: { key: '', orgId: '' },
  a1: '', a2: '', b1: '', scopedKey: '', revokedKey: '', bKeyId: '',
  a1Msg: '', a2Msg: '', a2Thread: '', bMsg: '', bThread: '', bAttachment: '',
};

const VALID_SEND = { to: ['someone@example.com'], subject: 'Hello', text: 'Hi there' };

async function send(inbox: string, json: unknown, o: { key?: string; idem?: string | null; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.idem !== null) headers['idempotency-key'] = o.idem ?? idemKey();
  return call(t, 'POST', `/v1/inboxes/${inbox}/messages`, { key: o.key ?? f.a.key, json, headers });
}

/** Credentials a route's policy asks for: A's org key, or the operator token. */
function credentialFor(r: RoutePolicy): string | undefined {
  if (r.auth === 'operator') return OPERATOR_TOKEN;
  if (r.auth === 'key' || r.auth === 'operator_or_key') return f.a.key;
  return undefined;
}

/** A call that passes auth and required headers of `r`, so the body or query is what fails. */
function toRoute(r: RoutePolicy, c: Call = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(r.idempotent ? { 'idempotency-key': idemKey() } : {}), ...c.headers };
  return call(t, r.method, fillPath(r.path, { id: f.a1 }), { key: credentialFor(r), ...c, headers });
}

beforeAll(async () => {
  t = await buildFunctionalApp();
  f.a = await t.createOrg();
  f.b = await t.createOrg();
  const inbox = async (key: string) => (await call(t, 'POST', '/v1/inboxes', { key, json: {} })).body.id as string;
  f.a1 = await inbox(f.a.key);
  f.a2 = await inbox(f.a.key);
  f.b1 = await inbox(f.b.key);
  f.scopedKey = (await call(t, 'POST', '/v1/keys', { key: f.a.key, json: { scopes: ['inbox'], inbox_ids: [f.a1] } })).body.api_key;
  const revoked = (await call(t, 'POST', '/v1/keys', { key: f.a.key, json: { name: 'doomed' } })).body;
  expect((await call(t, 'GET', '/v1/inboxes', { key: revoked.api_key })).status).toBe(200); // cached as valid first
  expect((await call(t, 'DELETE', `/v1/keys/${revoked.id}`, { key: f.a.key })).status).toBe(200);
  f.revokedKey = revoked.api_key;
  f.bKeyId = (await call(t, 'GET', '/v1/keys', { key: f.b.key })).body.data[0].id;
  f.a1Msg = (await send(f.a1, VALID_SEND)).body.id;
  const a2 = (await send(f.a2, VALID_SEND)).body;
  f.a2Msg = a2.id;
  f.a2Thread = a2.thread_id;
  const withFile = { ...VALID_SEND, attachments: [{ filename: 'a.txt', content_type: 'text/plain', content: btoa('hello') }] };
  const b = (await send(f.b1, withFile, { key: f.b.key })).body;
  f.bMsg = b.id;
  f.bThread = b.thread_id;
  f.bAttachment = (await call(t, 'GET', `/v1/messages/${b.id}`, { key: f.b.key })).body.attachments[0].id;
});

afterAll(async () => {
  await t.close();
});

describe('authentication on every route of the table', () => {
  const wellFormedUnknown = 'bw_' + 'A'.repeat(32);
  const cases: Array<[string, () => string | undefined, Record<string, string>, number, string]> = [
    ['no Authorization header', () => undefined, {}, 401, 'unauthorized'],
    ['a Basic scheme', () => undefined, { authorization: 'Basic dXNlcjpwYXNz' }, 401, 'unauthorized'],
    ['Bearer without a key', () => undefined, { authorization: 'Bearer ' }, 401, 'unauthorized'],
    ['a malformed key (too short)', () => 'bw_short', {}, 401, 'unauthorized'],
    ['a malformed key (bad characters)', () => 'bw_' + '!'.repeat(32), {}, 401, 'unauthorized'],
    ['a key with trailing junk', () => `${f.a.key}x`, {}, 401, 'unauthorized'],
    ['an unknown well-formed key', () => wellFormedUnknown, {}, 401, 'unauthorized'],
    ['a revoked key', () => f.revokedKey, {}, 401, 'unauthorized'],
    ['the operator token', () => OPERATOR_TOKEN, {}, 403, 'forbidden_scope'],
  ];
  for (const r of keyRoutes) {
    describe(`${r.method} ${r.path}`, () => {
      // The operator may call operator_or_key routes.
      it.each(cases.filter(([name]) => r.auth === 'key' || name !== 'the operator token'))('%s', async (_name, key, headers, status, code) => {
        const res = await toRoute(r, { key: key(), headers, json: r.body ? {} : undefined });
        expectProblem(res, status, code);
      });
    });
  }
  for (const r of operatorRoutes) {
    describe(`${r.method} ${r.path}`, () => {
      it.each([
        ['no token', undefined, 401, 'unauthorized'],
        ['a wrong operator token', 'bwop_wrong_token', 401, 'unauthorized'],
        ['an unknown org key', wellFormedUnknown, 401, 'unauthorized'],
      ] as const)('%s', async (_name, key, status, code) => {
        expectProblem(await toRoute(r, { key, json: r.body ? { name: 'x' } : undefined }), status, code);
      });
      it('an org key', async () => {
        expectProblem(await toRoute(r, { key: f.a.key, json: r.body ? { name: 'x' } : undefined }), 403, 'forbidden_scope');
      });
    });
  }
});

describe('bodies on every route with one', () => {
  for (const r of bodyRoutes) {
    describe(`${r.method} ${r.path}`, () => {
      const limit = r.bodyLimit ?? 64 * 1024;
      it.each([
        ['broken JSON', { body: '{"to": [', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
        ['single-quoted JSON', { body: "{'a': 1}", headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
        ['an empty body', { body: '', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
        ['bytes that are not UTF-8', { body: Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]), headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
        ['no Content-Type', { body: new TextEncoder().encode('{}') }, 400, 'missing_header'],
        ['text/plain', { body: '{}', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
        ['a form', { body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported_media_type'],
        ['application/jsonp', { body: '{}', headers: { 'content-type': 'application/jsonp' } }, 415, 'unsupported_media_type'],
        ['a JSON array', { json: [] }, 422, 'validation_failed'],
        ['a JSON string', { json: 'hello' }, 422, 'validation_failed'],
        ['JSON null', { json: null }, 422, 'validation_failed'],
        ['an unknown field', { json: { ...VALID_SEND, name: 'x', surprise: true } }, 422, 'validation_failed'],
      ] as Array<[string, Call, number, string]>)('%s', async (_name, c, status, code) => {
        expectProblem(await toRoute(r, c), status, code);
      });

      it(`a body over its limit of ${limit} bytes, declared in Content-Length`, async () => {
        const body = JSON.stringify({ text: 'x'.repeat(limit) });
        const res = await toRoute(r, { body, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } });
        expectProblem(res, 413, 'payload_too_large');
      });

      it(`a body over its limit of ${limit} bytes, streamed without Content-Length`, async () => {
        const res = await toRoute(r, { body: JSON.stringify({ text: 'x'.repeat(limit) }), headers: { 'content-type': 'application/json' } });
        expectProblem(res, 413, 'payload_too_large');
      });
    });
  }

  it('names the path of a wrongly typed field', async () => {
    const res = await call(t, 'POST', '/v1/inboxes', { key: f.a.key, json: { username: 5 } });
    expectProblem(res, 422, 'validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['username']);
  });

  it('a JSON array as a send body names the body', async () => {
    const res = await send(f.a1, [VALID_SEND]);
    expectProblem(res, 422, 'validation_failed');
    expect(res.body.errors[0].path).toBe('body');
  });

  it('a 26 MiB send body is refused with 413, both declared and streamed', async () => {
    const body = JSON.stringify({ ...VALID_SEND, text: 'x'.repeat(26 * MiB) });
    const headers = { 'idempotency-key': idemKey(), 'content-type': 'application/json' };
    const streamed = await call(t, 'POST', `/v1/inboxes/${f.a1}/messages`, { key: f.a.key, body, headers });
    expectProblem(streamed, 413, 'payload_too_large');
    const declared = await call(t, 'POST', `/v1/inboxes/${f.a1}/messages`, { key: f.a.key, body, headers: { ...headers, 'content-length': String(body.length) } });
    expectProblem(declared, 413, 'payload_too_large');
  });
});

describe('send: fields', () => {
  const withTo = (...to: string[]) => ({ ...VALID_SEND, to });
  const recipients = (n: number) => Array.from({ length: n }, (_, i) => `r${i}@example.com`);
  it.each([
    ['to as a string', { ...VALID_SEND, to: 'someone@example.com' }, 'to'],
    ['subject as a number', { ...VALID_SEND, subject: 42 }, 'subject'],
    ['text as an object', { ...VALID_SEND, text: { a: 1 } }, 'text'],
    ['neither text nor html', { to: ['a@example.com'], subject: 'x' }, 'text'],
    ['no recipient at all', { subject: 'x', text: 'y' }, 'to'],
    ['CR/LF in the subject', { ...VALID_SEND, subject: 'Hi\r\nBcc: victim@example.com' }, 'subject'],
    ['a bare LF in the subject', { ...VALID_SEND, subject: 'Hi\nthere' }, 'subject'],
    ['NUL in the subject', { ...VALID_SEND, subject: 'Hi\u0000' }, 'subject'],
    ['CR/LF in an address', withTo('a@example.com\r\nBcc: victim@example.com'), 'to.0'],
    ['CR/LF in a cc address', { ...VALID_SEND, cc: ['ok@example.com', 'b@example.com\r\n'] }, 'cc.1'],
    ['CR/LF in reply_to', { ...VALID_SEND, reply_to: 'a@example.com\r\nX-Evil: 1' }, 'reply_to'],
    ['CR/LF in a header value', { ...VALID_SEND, headers: { 'X-Tag': 'v\r\nBcc: victim@example.com' } }, 'headers.X-Tag'],
    ['a reserved header', { ...VALID_SEND, headers: { Bcc: 'victim@example.com' } }, 'headers.Bcc'],
    ['a header name with a colon', { ...VALID_SEND, headers: { 'X-A:B': '1' } }, 'headers.X-A:B'],
    ['a header name too long to write', { ...VALID_SEND, headers: { ['X-' + 'a'.repeat(75)]: '1' } }, `headers.X-${'a'.repeat(75)}`],
    ['CR/LF in an attachment filename', { ...VALID_SEND, attachments: [{ filename: 'a\r\n.txt', content: 'aGk=' }] }, 'attachments.0.filename'],
    ['an attachment that is not base64', { ...VALID_SEND, attachments: [{ filename: 'a.txt', content: 'not base64!' }] }, 'attachments.0.content'],
    ['an attachment content type too long to write', { ...VALID_SEND, attachments: [{ filename: 'a', content_type: `application/${'x'.repeat(65)}`, content: 'aGk=' }] }, 'attachments.0.content_type'],
    ['51 recipients in to', { ...VALID_SEND, to: recipients(51) }, 'to'],
    ['51 recipients over to, cc and bcc', { ...VALID_SEND, to: recipients(20), cc: recipients(20), bcc: recipients(11) }, 'to'],
    ['a@b@c', withTo('a@b@c'), 'to.0'],
    ['a quoted local part', withTo('"x"@y.com'), 'to.0'],
    ['the percent hack', withTo('a%b@c.com'), 'to.0'],
    ['a source route', withTo('@route:x@y.com'), 'to.0'],
    ['no domain', withTo('someone@'), 'to.0'],
    ['no local part', withTo('@example.com'), 'to.0'],
    ['an address literal', withTo('a@[127.0.0.1]'), 'to.0'],
    ['a bare IP domain', withTo('a@127.0.0.1'), 'to.0'],
    ['a space', withTo('a b@example.com'), 'to.0'],
    ['a double dot', withTo('a..b@example.com'), 'to.0'],
    ['an address over 254 octets', withTo(`${'a'.repeat(64)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(10)}.com`), 'to.0'],
    ['a list in one entry', withTo('a@example.com, b@example.com'), 'to.0'],
  ] as Array<[string, unknown, string]>)('%s → 422', async (_name, body, path) => {
    const res = await send(f.a1, body);
    expectProblem(res, 422, 'validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('CR/LF in a display name, on create and on update', async () => {
    for (const display_name of ['Agent\r\nBcc: victim@example.com', 'Agent\n', 'Agent\u0000']) {
      const created = await call(t, 'POST', '/v1/inboxes', { key: f.a.key, json: { display_name } });
      expectProblem(created, 422, 'validation_failed');
      expect(created.body.errors[0].path).toBe('display_name');
      expectProblem(await call(t, 'PATCH', `/v1/inboxes/${f.a1}`, { key: f.a.key, json: { display_name } }), 422, 'validation_failed');
    }
  });

  it('the limits just inside are accepted: 50 recipients, a 76-character header name', async () => {
    const res = await send(f.a1, { ...VALID_SEND, to: recipients(30), cc: recipients(20), headers: { ['X-' + 'a'.repeat(74)]: 'v' } });
    expectSane(res);
    expect(res.status).toBe(202);
  });
});

describe('send: Idempotency-Key', () => {
  it.each([
    ['missing', null, 400, 'missing_header'],
    ['300 characters', 'k'.repeat(300), 400, 'invalid_header'],
    ['257 characters', 'k'.repeat(257), 400, 'invalid_header'],
    ['a space inside', 'two words', 400, 'invalid_header'],
    ['non-ASCII', 'clé', 400, 'invalid_header'],
    ['an empty quoted string', '""', 400, 'invalid_header'],
  ] as Array<[string, string | null, number, string]>)('%s', async (_name, idem, status, code) => {
    const res = await send(f.a1, VALID_SEND, { idem });
    expectProblem(res, status, code);
  });

  it('is required on reply too', async () => {
    const res = await call(t, 'POST', `/v1/messages/${f.a1Msg}/reply`, { key: f.a.key, json: { text: 'x' } });
    expectProblem(res, 400, 'missing_header');
  });

  it('the same key with another body is a conflict', async () => {
    const key = idemKey();
    expect((await send(f.a1, VALID_SEND, { idem: key })).status).toBe(202);
    expectProblem(await send(f.a1, { ...VALID_SEND, subject: 'Other' }, { idem: key }), 422, 'idempotency_conflict');
    expectProblem(await send(f.a2, VALID_SEND, { idem: key }), 422, 'idempotency_conflict');
  });
});

describe('queries on every route with one', () => {
  for (const r of queryRoutes) {
    describe(`${r.method} ${r.path}`, () => {
      it.each([
        ['a garbage cursor', 'cursor=garbage'],
        ['a huge cursor', `cursor=${'A'.repeat(10_000)}`],
        ['a cursor with SQL in it', `cursor=${encodeURIComponent("inb_' OR 1=1 --")}`],
        ['limit=0', 'limit=0'],
        ['limit=1000', 'limit=1000'],
        ['limit=abc', 'limit=abc'],
        ['limit=-1', 'limit=-1'],
        ['limit=1.5', 'limit=1.5'],
        ['an empty limit', 'limit='],
        ['an unknown parameter', 'surprise=1'],
      ])('%s', async (_name, qs) => {
        const res = await call(t, r.method, `${fillPath(r.path, { id: f.a1 })}?${qs}`, { key: credentialFor(r) });
        expectProblem(res, 422, 'validation_failed');
      });
    });
  }

  it.each([
    ['wait=31', 'wait=31'],
    ['wait=-1', 'wait=-1'],
    ['wait=abc', 'wait=abc'],
    ['an unknown direction', 'direction=sideways'],
    ['an unknown status', 'status=lost'],
    ['cursor and after together', `cursor=msg_${'0'.repeat(26)}&after=msg_${'0'.repeat(26)}`],
    ['a garbage after', 'after=yesterday'],
  ])('messages: %s', async (_name, qs) => {
    const res = await call(t, 'GET', `/v1/inboxes/${f.a1}/messages?${qs}`, { key: f.a.key });
    expectProblem(res, 422, 'validation_failed');
  });
});

describe('resources of another org are not found, never forbidden', () => {
  it.each([
    ['GET its inbox', () => call(t, 'GET', `/v1/inboxes/${f.b1}`, { key: f.a.key })],
    ['PATCH its inbox', () => call(t, 'PATCH', `/v1/inboxes/${f.b1}`, { key: f.a.key, json: { display_name: 'mine' } })],
    ['DELETE its inbox', () => call(t, 'DELETE', `/v1/inboxes/${f.b1}`, { key: f.a.key })],
    ['list its messages', () => call(t, 'GET', `/v1/inboxes/${f.b1}/messages`, { key: f.a.key })],
    ['send from its inbox', () => send(f.b1, VALID_SEND)],
    ['GET its message', () => call(t, 'GET', `/v1/messages/${f.bMsg}`, { key: f.a.key })],
    ['GET its raw message', () => call(t, 'GET', `/v1/messages/${f.bMsg}/raw`, { key: f.a.key })],
    ['GET its attachment', () => call(t, 'GET', `/v1/messages/${f.bMsg}/attachments/${f.bAttachment}`, { key: f.a.key })],
    ['reply to its message', () => call(t, 'POST', `/v1/messages/${f.bMsg}/reply`, { key: f.a.key, json: { text: 'x' }, headers: { 'idempotency-key': idemKey() } })],
    ['GET its thread', () => call(t, 'GET', `/v1/threads/${f.bThread}`, { key: f.a.key })],
    ['revoke its key', () => call(t, 'DELETE', `/v1/keys/${f.bKeyId}`, { key: f.a.key })],
    ['GET an unknown inbox', () => call(t, 'GET', `/v1/inboxes/inb_${'0'.repeat(26)}`, { key: f.a.key })],
    ['GET a garbage message id', () => call(t, 'GET', `/v1/messages/${encodeURIComponent("'; drop table messages; --")}`, { key: f.a.key })],
    ['GET a huge id', () => call(t, 'GET', `/v1/inboxes/${'x'.repeat(10_000)}`, { key: f.a.key })],
    ['GET an unknown attachment of its own message', () => call(t, 'GET', `/v1/messages/${f.a1Msg}/attachments/att_nope`, { key: f.a.key })],
  ])('%s', async (_name, run) => {
    expectProblem(await run(), 404, 'not_found');
  });

  it('B still sees its own resources', async () => {
    expect((await call(t, 'GET', `/v1/messages/${f.bMsg}`, { key: f.b.key })).status).toBe(200);
    // Filtering by another org's inbox is a 404 like any other access to it.
    expectProblem(await call(t, 'GET', `/v1/threads?inbox_id=${f.a1}`, { key: f.b.key }), 404, 'not_found');
  });
});

describe('an inbox-scoped key', () => {
  it.each([
    ['GET another inbox of its org', () => call(t, 'GET', `/v1/inboxes/${f.a2}`, { key: f.scopedKey })],
    ['PATCH another inbox', () => call(t, 'PATCH', `/v1/inboxes/${f.a2}`, { key: f.scopedKey, json: { display_name: 'x' } })],
    ['list its messages', () => call(t, 'GET', `/v1/inboxes/${f.a2}/messages`, { key: f.scopedKey })],
    ['send from it', () => send(f.a2, VALID_SEND, { key: f.scopedKey })],
    ['GET a message of it', () => call(t, 'GET', `/v1/messages/${f.a2Msg}`, { key: f.scopedKey })],
    ['GET the raw message', () => call(t, 'GET', `/v1/messages/${f.a2Msg}/raw`, { key: f.scopedKey })],
    ['reply to a message of it', () => call(t, 'POST', `/v1/messages/${f.a2Msg}/reply`, { key: f.scopedKey, json: { text: 'x' }, headers: { 'idempotency-key': idemKey() } })],
    ['GET a thread of it', () => call(t, 'GET', `/v1/threads/${f.a2Thread}`, { key: f.scopedKey })],
    ['filter threads by it', () => call(t, 'GET', `/v1/threads?inbox_id=${f.a2}`, { key: f.scopedKey })],
  ])('%s → 404', async (_name, run) => {
    expectProblem(await run(), 404, 'not_found');
  });

  it.each([
    ['create an inbox', () => call(t, 'POST', '/v1/inboxes', { key: f.scopedKey, json: {} })],
    ['create a key', () => call(t, 'POST', '/v1/keys', { key: f.scopedKey, json: { scopes: ['inbox'], inbox_ids: [f.a1] } })],
    ['list keys', () => call(t, 'GET', '/v1/keys', { key: f.scopedKey })],
    ['revoke a key', () => call(t, 'DELETE', `/v1/keys/${f.bKeyId}`, { key: f.scopedKey })],
    ['delete its own inbox', () => call(t, 'DELETE', `/v1/inboxes/${f.a1}`, { key: f.scopedKey })],
  ])('%s → 403 forbidden_scope', async (_name, run) => {
    expectProblem(await run(), 403, 'forbidden_scope');
  });

  it('still works on its own inbox', async () => {
    expect((await call(t, 'GET', `/v1/inboxes/${f.a1}`, { key: f.scopedKey })).status).toBe(200);
    expect((await send(f.a1, VALID_SEND, { key: f.scopedKey })).status).toBe(202);
  });
});

describe('keys', () => {
  it.each([
    ['an inbox scope without inboxes', { scopes: ['inbox'] }],
    ['an inbox of another org', { scopes: ['inbox'], inbox_ids: ['__B1__'] }],
    ['two scopes', { scopes: ['org', 'inbox'] }],
    ['an unknown scope', { scopes: ['admin'] }],
  ])('%s → 422', async (_name, json) => {
    const body = JSON.parse(JSON.stringify(json).replace('__B1__', f.b1));
    expectProblem(await call(t, 'POST', '/v1/keys', { key: f.a.key, json: body }), 422, 'validation_failed');
  });
});

describe('routes that do not exist', () => {
  it.each([
    ['GET', '/'],
    ['GET', '/v1'],
    ['GET', '/v1/nope'],
    ['GET', '/v2/inboxes'],
    ['GET', '/v1/inboxes/a/b/c/d'],
    ['POST', '/v1/inboxes/x/y'],
    ['GET', '/docs/assets/nothing-here.js'],
    ['GET', '/docs/assets/..%2F..%2Fpackage.json'],
  ])('%s %s → 404 problem', async (method, path) => {
    expectProblem(await call(t, method, path, { key: f.a.key }), 404, 'not_found');
  });

  it.each([
    ['PUT', '/v1/inboxes', 'GET, POST'],
    ['DELETE', '/v1/inboxes', 'GET, POST'],
    ['PUT', '/v1/inboxes/x', 'DELETE, GET, PATCH'],
    ['GET', '/v1/orgs', 'POST'],
    ['PATCH', '/v1/keys/x', 'DELETE'],
    ['DELETE', '/v1/messages/x', 'GET'],
    ['POST', '/healthz', 'GET'],
  ])('%s %s → 405 with Allow: %s', async (method, path, allow) => {
    const res = await call(t, method, path, { key: f.a.key });
    expectProblem(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe(allow);
  });
});

describe('random bodies never cause a 500', () => {
  const address = fc.oneof(
    fc.constantFrom('a@example.com', 'x@agents.localhost', 'bad', 'a@b@c', '"q"@x.com', 'ü@exämple.com', ''),
    fc.emailAddress(),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );
  const text = fc.string({ unit: 'binary', maxLength: 200 });
  const anyJson = fc.jsonValue({ maxDepth: 3 });
  const sendish = fc.record({
    to: fc.oneof(fc.array(address, { maxLength: 4 }), anyJson),
    cc: fc.array(address, { maxLength: 2 }),
    bcc: fc.array(address, { maxLength: 2 }),
    subject: fc.oneof(text, anyJson),
    text: fc.oneof(text, anyJson),
    html: text,
    reply_to: address,
    headers: fc.dictionary(fc.oneof(fc.constantFrom('X-A', 'List-Unsubscribe', 'Bcc', 'X-' + 'b'.repeat(80)), fc.string({ maxLength: 20 })), fc.oneof(text, anyJson), { maxKeys: 3 }),
    attachments: fc.array(fc.record({
      filename: fc.oneof(text, anyJson),
      content_type: fc.oneof(fc.constantFrom('text/plain', 'application/pdf', 'x', `a/${'b'.repeat(70)}`), text),
      content: fc.oneof(fc.base64String({ maxLength: 40 }), text),
    }, { requiredKeys: [] }), { maxLength: 2 }),
  }, { requiredKeys: [] });

  it('on send', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(anyJson, sendish), async (body) => {
      const res = await send(f.a1, body);
      expectSane(res);
      if (res.status >= 400) expectProblem(res, res.status, res.body.code);
      else expect(res.status).toBe(202);
    }), { numRuns: 200 });
  });

  it('on reply', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(anyJson, sendish), async (body) => {
      const res = await call(t, 'POST', `/v1/messages/${f.a1Msg}/reply`, { key: f.a.key, json: body, headers: { 'idempotency-key': idemKey() } });
      expectSane(res);
      if (res.status >= 400) expectProblem(res, res.status, res.body.code);
    }), { numRuns: 100 });
  });

  for (const r of bodyRoutes.filter((r) => !r.idempotent)) {
    it(`on ${r.method} ${r.path}`, async () => {
      await fc.assert(fc.asyncProperty(anyJson, async (body) => {
        const res = await toRoute(r, { json: body });
        expectSane(res);
        if (res.status >= 400) expectProblem(res, res.status, res.body.code);
      }), { numRuns: 50 });
    });
  }

  it('random query strings on the message list', async () => {
    const param = fc.constantFrom('cursor', 'after', 'limit', 'wait', 'direction', 'status', 'x');
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(param, fc.string({ unit: 'binary', maxLength: 30 })), { maxLength: 4 }), async (pairs) => {
      const qs = new URLSearchParams(pairs.filter(([k]) => k !== 'wait')).toString();
      const res = await call(t, 'GET', `/v1/inboxes/${f.a1}/messages?${qs}`, { key: f.a.key });
      expectSane(res);
      expect([200, 422]).toContain(res.status);
    }), { numRuns: 100 });
  });
});
