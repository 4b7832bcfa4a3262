import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../test/helpers/app.ts';
import { createApp } from './app.ts';
import type { AppEnv } from './app-env.ts';
import { defineRoute, type RoutePolicy } from './policy.ts';
import { registerRoutes } from './router.ts';
import { routeTable } from './routes/index.ts';

const ok = async () => ({ status: 200, body: { ok: true } });

function policy(over: Partial<RoutePolicy> = {}): RoutePolicy {
  return defineRoute({
    method: 'GET', path: '/v1/test', operationId: 'test', summary: 'A test route', tag: 'Test',
    auth: 'none', lane: 'control', responses: { 200: { description: 'OK' } }, handler: ok, ...over,
  } as RoutePolicy);
}

/** A policy as it might arrive from untyped code: the field is gone altogether. */
function without(field: keyof RoutePolicy): RoutePolicy {
  const p = { ...policy() } as Partial<RoutePolicy>;
  delete p[field];
  return p as RoutePolicy;
}

/** The routes Hono will dispatch to, without the app-wide middleware (`use('*')`). */
function honoRoutes(app: Hono<AppEnv>): string[] {
  return app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`);
}

describe('registerRoutes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(['lane', 'auth', 'operationId'] as const)('refuses a policy without %s', (field) => {
    const app = new Hono<AppEnv>();
    expect(() => registerRoutes(app, t.deps, [without(field)])).toThrow(/incomplete route policy: GET \/v1\/test/);
    expect(honoRoutes(app)).toEqual([]);
  });

  it('refuses a key route that does not say what an inbox-scoped key may do', () => {
    const app = new Hono<AppEnv>();
    expect(() => registerRoutes(app, t.deps, [policy({ auth: 'key' })])).toThrow(/route policy without inboxKeys .*: GET \/v1\/test/);
    expect(honoRoutes(app)).toEqual([]);
    registerRoutes(app, t.deps, [policy({ auth: 'key', inboxKeys: 'own' })]);
    expect(honoRoutes(app)).toEqual(['GET /v1/test']);
  });

  it('refuses two policies for one method and path', () => {
    const app = new Hono<AppEnv>();
    expect(() => registerRoutes(app, t.deps, [policy(), policy({ operationId: 'other' })])).toThrow(/duplicate route policy: GET \/v1\/test/);
  });

  it('allows one path with two methods', () => {
    const app = new Hono<AppEnv>();
    registerRoutes(app, t.deps, [policy(), policy({ method: 'DELETE', operationId: 'del' })]);
    expect(honoRoutes(app)).toEqual(['GET /v1/test', 'DELETE /v1/test']);
  });

  it('puts exactly the route table into the app, and nothing else', () => {
    const table = routeTable();
    expect(honoRoutes(t.app).sort()).toEqual(table.map((r) => `${r.method} ${r.path}`).sort());
    // Nothing else: no app-wide middleware, so each route has one handler, which Hono calls
    // directly and which can answer a refusal synchronously (request-scope.ts).
    expect(t.app.routes.filter((r) => r.method === 'ALL')).toEqual([]);
    expect(t.app.routes.length).toBe(table.length);
  });

  it('serves a table given to createApp, and only that', async () => {
    const app = createApp(t.deps, { routes: [policy()] });
    expect(honoRoutes(app)).toEqual(['GET /v1/test']);
    expect((await app.request('/v1/test')).status).toBe(200);
    expect((await app.request('/healthz')).status).toBe(404);
  });

  it('every policy of the table is complete and consistent', () => {
    const table = routeTable();
    const ids = new Set<string>();
    for (const r of table) {
      const name = `${r.method} ${r.path}`;
      expect(['none', 'operator', 'key', 'operator_or_key'], name).toContain(r.auth);
      expect(['inbound', 'outbound', 'control'], name).toContain(r.lane);
      expect(r.summary.length, name).toBeGreaterThan(0);
      expect(r.tag.length, name).toBeGreaterThan(0);
      expect(Object.keys(r.responses).length, name).toBeGreaterThan(0);
      expect(ids.has(r.operationId), `${name}: operationId ${r.operationId} is used twice`).toBe(false);
      ids.add(r.operationId);
      // POST may be a bodiless action (`/verify`, `/replay`); PATCH always carries the change.
      if (r.method === 'PATCH') expect(r.body, `${name} has no body schema`).toBeDefined();
      if (r.idempotent) expect(r.method, name).toBe('POST');
      if (r.path.startsWith('/v1/') && r.path !== '/v1/orgs') expect(r.auth, `${name} is open`).not.toBe('none');
    }
  });

  it('no module of src/http adds routes behind the table’s back', () => {
    const root = join(import.meta.dirname);
    const files = (readdirSync(root, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => join(root, f));
    const offenders: string[] = [];
    for (const file of files) {
      const src = readFileSync(file, 'utf8');
      const rel = relative(root, file);
      // Hono's ways to add a handler; only router.ts (app.on from the table) and app.ts
      // (the request-id middleware, notFound, onError) may call them.
      for (const m of src.matchAll(/\b(?:\w*[Aa]pp|router|api|hono)\.(get|post|put|patch|delete|all|on|use|route|mount|options|basePath)\(/g)) {
        const allowed = (rel === 'router.ts' && m[1] === 'on') || (rel === 'app.ts' && m[1] === 'use');
        if (!allowed) offenders.push(`${rel}: ${m[0]}`);
      }
      if (/new Hono\b/.test(src) && rel !== 'app.ts') offenders.push(`${rel}: new Hono`);
    }
    expect(offenders).toEqual([]);
  });
});
