/**
 * Shared helpers of the route tests: one raw call through app.request() and one check that an
 * answer is a well-formed problem (DESIGN §4 errors).
 */
import { expect } from 'vitest';
import { EDGE_DEFAULTS } from '../../src/core/limits/defaults.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

const NO_LOOP = { loop: false, count: 1 };

/**
 * The real app with the edge's traffic limits out of the way: these tests repeat the same bad
 * request on purpose, which the auth-failure bucket and loop detection would (rightly) refuse.
 */
export async function buildFunctionalApp(): Promise<TestApp> {
  const open = (rule: typeof EDGE_DEFAULTS.key) => ({ ...rule, limit: 1e9, burst: 1e9 });
  const t = await buildTestApp({
    limits: { ...EDGE_DEFAULTS, key: open(EDGE_DEFAULTS.key), inboxSend: open(EDGE_DEFAULTS.inboxSend), authFailures: open(EDGE_DEFAULTS.authFailures) },
  });
  t.deps.edge.loops = { hit: async () => NO_LOOP, hitSync: () => NO_LOOP };
  return t;
}

export interface Call {
  /** Sent as `Authorization: Bearer <key>`. */
  key?: string;
  /** Serialized as JSON with Content-Type: application/json (unless headers say otherwise). */
  json?: unknown;
  /** A raw body, sent as is. */
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON when the answer is JSON, else the text; tests check its shape with expect. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export async function call(t: TestApp, method: string, path: string, c: Call = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (c.key !== undefined) headers.authorization = `Bearer ${c.key}`;
  let body: string | Uint8Array | undefined = c.body;
  if (c.json !== undefined) {
    body = JSON.stringify(c.json);
    headers['content-type'] = 'application/json';
  }
  Object.assign(headers, c.headers);
  const res = await t.app.request(path, { method, headers, body: body as BodyInit | undefined });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** Finds a `stack` member or a V8 stack trace line anywhere in a JSON value. */
export function leaksStack(value: unknown): boolean {
  if (typeof value === 'string') return /\n\s+at\s/.test(value);
  if (Array.isArray(value)) return value.some(leaksStack);
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => k === 'stack' || leaksStack(v));
  }
  return false;
}

/** Every answer: a request id in the header; never a 500; never a stack. */
export function expectSane(res: Answer): void {
  expect(res.status, `unexpected 500: ${res.text.slice(0, 300)}`).not.toBe(500);
  expect(res.headers.get('x-request-id')).toMatch(/^req_[A-Za-z0-9_-]+$/);
  expect(leaksStack(res.body), 'a stack trace leaked').toBe(false);
}

/** An RFC 9457 problem with this status and code, whose request_id is the header's. */
export function expectProblem(res: Answer, status: number, code: string): void {
  expectSane(res);
  expect({ status: res.status, code: res.body?.code }, res.text.slice(0, 500)).toEqual({ status, code });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(res.body.request_id).toBe(res.headers.get('x-request-id'));
  if (code === 'validation_failed') {
    expect(res.body.errors.length).toBeGreaterThan(0);
    for (const e of res.body.errors) expect(e).toEqual({ path: expect.any(String), message: expect.any(String) });
  }
}

/** Substitutes `:params` of a route path. */
export function fillPath(path: string, values: Record<string, string> = {}): string {
  return path.replace(/:(\w+)/g, (_, name: string) => values[name] ?? `xyz_${name}`);
}

let seq = 0;
/** A fresh Idempotency-Key. */
export const idemKey = () => `test-${Date.now()}-${++seq}-${Math.random().toString(36).slice(2)}`;
