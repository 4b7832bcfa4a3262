/**
 * HTTP fuzzing from the path policy table (issue 10, item 3): every route gets generated path
 * parameters, query strings, headers (Content-Type, Idempotency-Key and Authorization forms) and
 * bodies (keys of its zod schema with hostile values, mutations of a valid body, any JSON, raw
 * bytes). Whatever arrives: never a 5xx, every 4xx an application/problem+json with a code of
 * the contract at its status, and an answer within a bounded time. The seed corpus under
 * corpus/http/ replays inputs that found bugs or cover edge shapes, every run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { PROBLEMS } from '../../src/http/problem.ts';
import type { RoutePolicy } from '../../src/http/policy.ts';
import { routeTable } from '../../src/http/routes/index.ts';
import { EDGE_DEFAULTS } from '../../src/core/limits/defaults.ts';
import { buildTestApp, OPERATOR_TOKEN, type TestApp } from '../helpers/app.ts';
import { call } from '../http/http-helpers.ts';
import { paramKind, pathParams, REQUESTS, World } from '../http/authz-world.ts';
import { params } from './fuzz-settings.ts';
import { StaticResolver } from '../../src/adapters/resolver/static/static-resolver.ts';

/** Slowest acceptable answer; generous for a loaded 2-core CI machine, far under any hang. */
const MAX_MS = 2_000;
const CORPUS = new URL('./corpus/http/', import.meta.url);

const table = routeTable();
let t: TestApp;
let w: World;
let orgKey = '';
let otherKey = '';
let scopedKey = '';
/** A fresh org key per route: loop detection quarantines a key the fuzzer repeats itself with. */
let fuzzKey = '';
const validBodies = new Map<string, unknown>();

interface Shot {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Sends one request; an event stream is judged by its head and then cancelled. */
async function fire(s: Shot) {
  const started = performance.now();
  const res = await t.app.request(s.path, { method: s.method, headers: s.headers, body: s.body as BodyInit | undefined });
  const type = res.headers.get('content-type') ?? '';
  if (type.startsWith('text/event-stream')) await res.body?.cancel();
  const text = type.startsWith('text/event-stream') ? '' : await res.text();
  return { status: res.status, type, text, ms: performance.now() - started };
}

/** The contract of every answer to any input (DESIGN §4 errors). */
function judge(s: Shot, res: Awaited<ReturnType<typeof fire>>): void {
  const what = `${s.method} ${s.path.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, what).toBeLessThan(500);
  expect(res.ms, `${what}: took ${Math.round(res.ms)} ms`).toBeLessThan(MAX_MS);
  // The MCP transport answers in JSON-RPC, as its specification requires.
  if (res.status < 400 || s.path.startsWith('/mcp')) return;
  expect(res.type, what).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(res.text) as { code: keyof typeof PROBLEMS; status: number };
  expect(Object.keys(PROBLEMS), what).toContain(problem.code);
  expect(problem.status, what).toBe(res.status);
  expect(PROBLEMS[problem.code].status, what).toBe(res.status);
}

/** `n` levels of arrays or objects around a value: what a 64 KiB body can do to a recursive walk. */
function nest(n: number, object: boolean): string {
  return object ? `${'{"a":'.repeat(n)}1${'}'.repeat(n)}` : `${'['.repeat(n)}${']'.repeat(n)}`;
}

const hostileString = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', '\r\n', 'a\r\nBcc: x@example.com', '\uD800', '\uDFFF\uD800', '\u202Ex', '\uFEFF', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👩‍👩‍👧',
    '__proto__', 'constructor', "' OR 1=1 --", '../../etc/passwd', '%00', '%', 'a@b@c', '"q"@x.com', '<script>', 'inb_00000000000000000000000000',
    'x'.repeat(5_000), 'é'.repeat(3_000)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, [], {}),
  fc.integer(),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(hostileString, { maxLength: 4 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
);

function shapeKeys(schema: z.ZodType | undefined): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

function bodyOf(r: RoutePolicy): fc.Arbitrary<string | Uint8Array> {
  const keys = [...shapeKeys(r.body), 'surprise'];
  const valid = validBodies.get(r.operationId);
  const json = fc.oneof(
    { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...keys), hostileValue, { maxKeys: keys.length }) },
    ...(valid && typeof valid === 'object'
      ? [{ weight: 4, arbitrary: fc.tuple(fc.constantFrom(...keys), hostileValue).map(([k, v]) => ({ ...(valid as object), [k]: v })) }]
      : []),
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  ).map((v) => JSON.stringify(v));
  return fc.oneof(
    { weight: 8, arbitrary: json },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.boolean()).map(([n, o]) => nest(n, o)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 100 }) },
  );
}

/** Header values must be ByteStrings without CR/LF, or Request refuses them before the app sees them. */
const headerSafe = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 60 });

function headersOf(r: RoutePolicy): fc.Arbitrary<Record<string, string>> {
  const oddAuth = fc.oneof(
    fc.constantFrom(`Bearer ${OPERATOR_TOKEN}`, `Bearer ${otherKey}`, `Bearer ${scopedKey}`, `bearer ${fuzzKey}`, `Bearer  ${fuzzKey}`, `Bearer ${fuzzKey} x`,
      'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', `Bearer bw_${'A'.repeat(4_000)}`, `Bearer ${fuzzKey},Bearer ${fuzzKey}`),
    headerSafe.map((s) => `Bearer ${s}`),
  );
  // Three in four calls carry the right key, so most reach the body, the query and the handler.
  const auth = fc.tuple(fc.nat(99), oddAuth).map(([n, odd]) => (n < 75 ? `Bearer ${fuzzKey}` : odd));
  const contentType = fc.oneof(
    { weight: 4, arbitrary: fc.constant('application/json') },
    { weight: 2, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'application/problem+json', 'application/vnd.x+json',
      'application/json;charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', ';', '') },
    { weight: 1, arbitrary: headerSafe },
  );
  const idem = fc.oneof(
    fc.uuid(), fc.constantFrom('"8e03978e-40d5-43e8-bc93-6894a57f9324"', '""', '"', 'k'.repeat(256), 'k'.repeat(257), 'two words', ' x '),
    headerSafe,
  );
  return fc.record({
    authorization: auth, 'content-type': contentType, 'idempotency-key': idem,
    'last-event-id': headerSafe, accept: fc.constantFrom('application/json, text/event-stream', '*/*', 'text/html'),
  }, { requiredKeys: r.auth === 'none' ? [] : ['authorization'] });
}

function pathOf(r: RoutePolicy, real: Record<string, string>): fc.Arbitrary<string> {
  const names = pathParams(r.path);
  const value = (name: string) => fc.oneof(
    { weight: 3, arbitrary: fc.constant(real[name]!) },
    { weight: 1, arbitrary: hostileString.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '\uFFFD')).slice(0, 6_000)) },
    // Unencoded: malformed escapes and dot segments reach the router as they are.
    { weight: 1, arbitrary: fc.constantFrom('%', '%E0%A4%A', '%00', '..', '.', '%2F', '%252F', 'a%2Fb', '%C0%AE%C0%AE') },
  );
  return fc.tuple(...names.map(value)).map((vals) => names.reduce((p, n, i) => p.replace(`:${n}`, vals[i] || 'x'), r.path));
}

function queryOf(r: RoutePolicy): fc.Arbitrary<string> {
  const keys = [...shapeKeys(r.query), 'cursor', 'limit', 'x'];
  const pair = fc.tuple(fc.constantFrom(...keys), fc.oneof(hostileString, fc.integer().map(String)));
  // A valid wait would long-poll for up to 30 s: refused waits are what the fuzzer is for.
  return fc.array(pair, { maxLength: 4 }).map((pairs) => new URLSearchParams(pairs.filter(([k, v]) => !(k === 'wait' && Number(v) > 0))).toString());
}

beforeAll(async () => {
  const open = (rule: typeof EDGE_DEFAULTS.key) => ({ ...rule, limit: 1e9, burst: 1e9 });
  // Real loop detection (its fingerprint walks hostile bodies too); traffic limits out of the way.
  // Domain verification needs DNS; an empty static zone answers every lookup with nothing.
  t = await buildTestApp({ resolver: new StaticResolver(), limits: { ...EDGE_DEFAULTS, key: open(EDGE_DEFAULTS.key), inboxSend: open(EDGE_DEFAULTS.inboxSend), authFailures: open(EDGE_DEFAULTS.authFailures) } });
  const a = await t.createOrg();
  orgKey = a.key;
  otherKey = (await t.createOrg()).key;
  const inbox = (await call(t, 'POST', '/v1/inboxes', { key: a.key, json: {} })).body.id;
  scopedKey = (await call(t, 'POST', '/v1/keys', { key: a.key, json: { scopes: ['inbox'], inbox_ids: [inbox] } })).body.api_key;
  w = new World({ t, a, b: a, revokedKey: '', otherInboxKey: '' });
  // Every object made up front: the fuzzer deletes and quarantines what it finds.
  await w.populate();
  for (const r of table) {
    const fixture = REQUESTS[r.operationId]?.body;
    if (fixture) validBodies.set(r.operationId, await fixture(w));
  }
});

afterAll(async () => {
  await t.close();
});


/** A corpus entry: placeholders {key}, {operator} and {<object kind>} are filled from the world. */
interface CorpusEntry {
  why: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent as is; `repeat` builds a large body without storing it. */
  body?: string;
  json?: unknown;
  repeat?: { prefix: string; unit: string; times: number; suffix: string };
  expect?: { status: number; code?: string };
}

// First, while every object of the world is still there to be named.
describe('the seed corpus', () => {
  const files = readdirSync(CORPUS).filter((f) => f.endsWith('.json')).sort();
  it('is there', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  const entries = files.flatMap((f) => (JSON.parse(readFileSync(new URL(f, CORPUS), 'utf8')) as CorpusEntry[]).map((e, i) => [`${f}#${i}: ${e.why}`, e] as const));
  it.each(entries)('%s', async (_name, e) => {
    const fill = async (s: string) => {
      let out = s.replaceAll('{key}', orgKey).replaceAll('{operator}', OPERATOR_TOKEN);
      for (const m of out.matchAll(/\{(\w+)\}/g)) out = out.replace(m[0], await w.of(m[1] as Parameters<World['of']>[0]));
      return out;
    };
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(e.headers ?? {})) headers[k] = await fill(v);
    let body = e.body === undefined ? undefined : await fill(e.body);
    if (e.json !== undefined) body = JSON.stringify(e.json);
    if (e.repeat) body = e.repeat.prefix + e.repeat.unit.repeat(e.repeat.times) + e.repeat.suffix;
    const s: Shot = { method: e.method, path: await fill(e.path), headers, body };
    const res = await fire(s);
    judge(s, res);
    if (e.expect) {
      expect(res.status, res.text.slice(0, 300)).toBe(e.expect.status);
      if (e.expect.code) expect(JSON.parse(res.text).code).toBe(e.expect.code);
    }
  });
});

describe('every route, generated inputs', () => {
  it.each(table.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', async (_name, r) => {
    // A distinct name: the same body every time would itself be refused as a loop.
    fuzzKey = (await call(t, 'POST', '/v1/keys', { key: orgKey, json: { name: `fuzz ${r.operationId}` } })).body.api_key;
    expect(fuzzKey).toMatch(/^bw_/);
    const real: Record<string, string> = {};
    for (const p of pathParams(r.path)) real[p] = await w.of(paramKind(r.path, p));
    const shot = fc.record({
      path: pathOf(r, real), query: queryOf(r), headers: headersOf(r),
      body: r.body || r.method !== 'GET' ? fc.option(bodyOf(r), { freq: 8 }) : fc.constant(null),
    });
    await fc.assert(fc.asyncProperty(shot, async (g) => {
      const s: Shot = { method: r.method, path: g.query ? `${g.path}?${g.query}` : g.path, headers: g.headers, body: g.body ?? undefined };
      judge(s, await fire(s));
    }), params(15));
  });
});
