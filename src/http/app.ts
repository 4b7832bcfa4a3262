import { Hono } from 'hono';
import type { AppDeps } from './app-deps.ts';
import type { AppEnv } from './app-env.ts';
import type { RoutePolicy } from './policy.ts';
import { problemResponse } from './problem.ts';
import { errorResponse, finish, openRequest } from './request-scope.ts';
import { registerRoutes } from './router.ts';
import { routeTable } from './routes/index.ts';

/** The methods the table has for a path (RFC 9110 §15.5.6 `Allow`), or null when it has none. */
function methodsByPath(table: RoutePolicy[]): (path: string) => string | null {
  const byPattern = new Map<string, { re: RegExp; methods: Set<string> }>();
  for (const r of table) {
    const source = '^' + r.path.split(/(:\w+)/).map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('') + '$';
    const entry = byPattern.get(source) ?? { re: new RegExp(source), methods: new Set<string>() };
    entry.methods.add(r.method);
    byPattern.set(source, entry);
  }
  return (path) => {
    const methods = new Set<string>();
    for (const { re, methods: m } of byPattern.values()) if (re.test(path)) m.forEach((x) => methods.add(x));
    return methods.size ? [...methods].sort().join(', ') : null;
  };
}

export interface CreateAppOptions {
  /** Defaults to the full route table. */
  routes?: RoutePolicy[];
}

/** The Hono app of every runtime: the same routes and middleware on Node and Workers. */
export function createApp(deps: AppDeps, options: CreateAppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // No app-wide middleware: each route's handler opens and closes its own request
  // (request-scope.ts), so that a refusal can be answered without a single await.
  const table = options.routes ?? routeTable();
  registerRoutes(app, deps, table);
  const allowedMethods = methodsByPath(table);

  app.notFound((c) => {
    const scope = openRequest(c, {});
    const allow = allowedMethods(c.req.path);
    const res = allow
      ? problemResponse('method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}`, scope.requestId, { fix: `Use ${allow}.` }, { allow })
      : problemResponse('not_found', `no route for ${c.req.method} ${c.req.path}`, scope.requestId);
    return finish(deps, c, scope, res);
  });

  // Route handlers answer their own errors (router.ts); this catches what escapes Hono itself.
  app.onError((err, c) => {
    const requestId = c.get('requestId');
    const scope = requestId ? { requestId, log: c.get('log'), started: performance.now() } : openRequest(c, {});
    return finish(deps, c, scope, errorResponse(deps, scope, err));
  });

  return app;
}
