/**
 * The authorization matrix (issue 10, item 4): every route of the path policy table, called as
 * each kind of caller against real objects of org A, must answer what its declared `auth` and
 * `inboxKeys` say (DESIGN §4): 401 without a valid key, 403 for the wrong kind of caller, 404
 * (never 403) for another org's objects and for an inbox-scoped key's view of other inboxes,
 * and success for the right caller. The expectation is computed from the policy alone, so a new
 * route is in the matrix the moment it is in the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoutePolicy } from '../../src/http/policy.ts';
import { routeTable } from '../../src/http/routes/index.ts';
import { OPERATOR_TOKEN } from '../helpers/app.ts';
import { observedApp } from '../helpers/observed-app.ts';
import { EDGE_DEFAULTS } from '../../src/core/limits/defaults.ts';
import { call } from './http-helpers.ts';
import { StaticResolver } from '../../src/adapters/resolver/static/static-resolver.ts';
import { paramKind, pathParams, REQUESTS, requestOf, World, type Orgs } from './authz-world.ts';

type Caller = 'anonymous' | 'revoked' | 'operator' | 'otherOrg' | 'otherInboxKey' | 'ownInboxKey' | 'orgKey';
const CALLERS: Caller[] = ['anonymous', 'revoked', 'operator', 'otherOrg', 'otherInboxKey', 'ownInboxKey', 'orgKey'];

/** Success, a refusal with its code, the same answer as without credentials, or a 404 for absence. */
type Expected = { ok: true; leakCheck: boolean } | { status: number; code: string } | { asAnonymous: true };

const OK = { ok: true, leakCheck: false } as const;
const UNAUTHORIZED = { status: 401, code: 'unauthorized' };
const FORBIDDEN = { status: 403, code: 'forbidden_scope' };
const NOT_FOUND = { status: 404, code: 'not_found' };

/** What `caller` must get from route `r`; `targeted`: the request names an object of A. */
export function expected(r: RoutePolicy, caller: Caller, targeted: boolean, foreign = NOT_FOUND): Expected {
  if (r.auth === 'none') return { asAnonymous: true };
  if (caller === 'anonymous' || caller === 'revoked') return UNAUTHORIZED;
  if (caller === 'operator') return r.auth === 'key' ? FORBIDDEN : OK;
  if (r.auth === 'operator') return FORBIDDEN;
  if (caller === 'orgKey') return OK;
  if (caller === 'otherOrg') return targeted ? foreign : { ok: true, leakCheck: true };
  const reach = r.inboxKeys;
  if (reach === 'refused') return FORBIDDEN;
  if (reach === 'allowed' || caller === 'ownInboxKey') return OK;
  return targeted ? NOT_FOUND : { ok: true, leakCheck: true };
}

const table = routeTable();
let o: Orgs;

async function credential(caller: Caller, w: World): Promise<string | undefined> {
  switch (caller) {
    case 'anonymous': return undefined;
    case 'revoked': return o.revokedKey;
    case 'operator': return OPERATOR_TOKEN;
    case 'otherOrg': return o.b.key;
    case 'otherInboxKey': return o.otherInboxKey;
    case 'ownInboxKey': return w.ownInboxKey();
    case 'orgKey': return o.a.key;
  }
}

/** One call; an event stream is answered by its status and headers, then cancelled. */
async function hit(r: RoutePolicy, req: Awaited<ReturnType<typeof requestOf>>, caller: Caller, w: World) {
  const key = await credential(caller, w);
  const headers: Record<string, string> = { ...req.headers };
  if (key) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    headers['content-type'] = 'application/json';
  }
  const res = await o.t.app.request(req.url, { method: r.method, headers, body });
  const streaming = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
  if (streaming) await res.body?.cancel();
  const text = streaming ? '' : await res.text();
  let json: { code?: string } | undefined;
  try {
    json = (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : undefined;
  } catch { /* not JSON: only the status is compared */ }
  return { status: res.status, code: json?.code, text, contentType: res.headers.get('content-type') ?? '' };
}

beforeAll(async () => {
  const open = (rule: typeof EDGE_DEFAULTS.key) => ({ ...rule, limit: 1e9, burst: 1e9 });
  const t = await observedApp({ limits: { ...EDGE_DEFAULTS, key: open(EDGE_DEFAULTS.key), inboxSend: open(EDGE_DEFAULTS.inboxSend), authFailures: open(EDGE_DEFAULTS.authFailures) } });
  // The matrix repeats identical requests by design; loop detection would rightly refuse them.
  // Verifying a domain needs DNS; an empty static zone answers every lookup with nothing.
  t.deps.resolver = new StaticResolver();
  t.deps.edge.loops = { hit: async () => ({ loop: false, count: 1 }), hitSync: () => ({ loop: false, count: 1 }) };
  const a = await t.org('a');
  const b = await t.org('b');
  const other = (await call(t, 'POST', '/v1/inboxes', { key: a.key, json: {} })).body.id;
  const otherInboxKey = (await call(t, 'POST', '/v1/keys', { key: a.key, json: { scopes: ['inbox'], inbox_ids: [other] } })).body.api_key;
  const doomed = (await call(t, 'POST', '/v1/keys', { key: a.key, json: { name: 'doomed' } })).body;
  // Used once first, so the verifier's cache holds it as valid when it is revoked.
  expect((await call(t, 'GET', '/v1/inboxes', { key: doomed.api_key })).status).toBe(200);
  expect((await call(t, 'DELETE', `/v1/keys/${doomed.id}`, { key: a.key })).status).toBe(200);
  o = { t, a, b, revokedKey: doomed.api_key, otherInboxKey };
});

afterAll(async () => {
  await o.t.close();
});

describe('the policy table declares what the matrix needs', () => {
  it('every key route says how far an inbox-scoped key reaches', () => {
    const missing = table.filter((r) => (r.auth === 'key' || r.auth === 'operator_or_key') && !r.inboxKeys).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
  });

  it('every path parameter names a kind of object the matrix can make', () => {
    for (const r of table) for (const p of pathParams(r.path)) expect(() => paramKind(r.path, p)).not.toThrow();
    // A route the matrix has never seen fails here, by name, until it gets a fixture.
    expect(() => paramKind('/v1/widgets/:id', 'id')).toThrow(/no fixture for :id of \/v1\/widgets\/:id/);
  });

  it('expectations follow the declaration, not the route', () => {
    const route = table.find((r) => r.operationId === 'getThread')!;
    expect(expected(route, 'otherInboxKey', true)).toEqual(NOT_FOUND);
    expect(expected({ ...route, inboxKeys: 'refused' }, 'otherInboxKey', true)).toEqual(FORBIDDEN);
    expect(expected({ ...route, auth: 'operator' }, 'orgKey', true)).toEqual(FORBIDDEN);
  });
});

describe.each(table.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', (_name, r) => {
  let anonymous: { status: number; code?: string } | undefined;

  it.each(CALLERS)('as %s', async (caller) => {
    const w = new World(o);
    try {
      await check(r, caller, w);
    } finally {
      await w.dispose();
    }
  });

  async function check(r: RoutePolicy, caller: Caller, w: World): Promise<void> {
    const req = await requestOf(r, w);
    const want = expected(r, caller, w.touched, REQUESTS[r.operationId]?.foreign);
    if ('ok' in want && want.leakCheck) await w.populate();
    const res = await hit(r, req, caller, w);
    const seen = `${caller} → ${res.status} ${res.code ?? ''} ${res.text.slice(0, 300)} (${req.url})`;
    expect(res.status, seen).toBeLessThan(500);
    if (caller === 'anonymous') anonymous = { status: res.status, code: res.code };
    if ('asAnonymous' in want) {
      expect({ status: res.status, code: res.code }, seen).toEqual(anonymous);
    } else if ('ok' in want) {
      expect(res.status >= 200 && res.status < 300, seen).toBe(true);
      if (want.leakCheck) {
        const leaked = (await w.ids()).filter((id) => res.text.includes(id));
        expect(leaked, `${seen}: A's objects visible`).toEqual([]);
      }
    } else {
      expect({ status: res.status, code: res.code }, seen).toEqual(want);
      expect(res.contentType, seen).toMatch(/^application\/problem\+json/);
    }
  }
});
