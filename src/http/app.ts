import { Hono } from 'hono';
import { BreakwaterError } from '../core/errors.ts';
import { randomToken } from '../core/crypto.ts';

// Request ids: a random per-process prefix and a counter. Unique without a random draw per request.
const REQUEST_PREFIX = `req_${randomToken(6)}`;
let requestCounter = 0;
const nextRequestId = () => `${REQUEST_PREFIX}${(requestCounter++).toString(36).padStart(6, '0')}`;
import type { AppDeps } from './app-deps.ts';
import type { Lane } from '../core/model.ts';
import type { AppEnv } from './app-env.ts';
import type { RoutePolicy } from './policy.ts';
import { problemResponse } from './problem.ts';
import { registerRoutes } from './router.ts';
import { requestObservation } from './request-telemetry.ts';
import { routeTable } from './routes/index.ts';

/** Refusals a runaway client can trigger thousands of times a second. */
const STORM_CODES = new Set(['rate_limited', 'loop_detected', 'quarantined', 'overloaded', 'unauthorized', 'quota_exceeded', 'outbound_throttled', 'outbound_paused']);

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

  app.use('*', async (c, next) => {
    const requestId = nextRequestId();
    c.set('requestId', requestId);
    c.set('log', {});
    const started = performance.now();
    await next();
    // Logging only: response headers were set by the handler, before this point.
    const log = c.get('log');
    deps.telemetry?.request(requestObservation(c, log, performance.now() - started));
    // Storm refusals are counted and summarised per key (RejectionCounter.flush), not logged one by one.
    if (log.code && STORM_CODES.has(log.code)) return;
    deps.logger.info({
      request_id: requestId, method: c.req.method, path: c.req.path, status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10, ...log,
    }, 'request');
  });

  const table = options.routes ?? routeTable();
  registerRoutes(app, deps, table);
  const allowedMethods = methodsByPath(table);

  app.notFound((c) => {
    const requestId = c.get('requestId') ?? 'req_unknown';
    const allow = allowedMethods(c.req.path);
    if (allow) return problemResponse('method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}`, requestId, { fix: `Use ${allow}.` }, { allow });
    return problemResponse('not_found', `no route for ${c.req.method} ${c.req.path}`, requestId);
  });

  app.onError((err, c) => {
    const requestId = c.get('requestId') ?? 'req_unknown';
    if (err instanceof BreakwaterError) {
      const log = c.get('log');
      log.code = err.code;
      deps.edge.rejections.record((log.lane ?? 'control') as Lane, err.code, log.key ?? null, log.org ?? null);
      return problemResponse(err.code, err.message, requestId, err.extras);
    }
    deps.logger.error({ request_id: requestId, err }, 'unhandled error');
    return problemResponse('internal_error', 'an internal error occurred; it was logged with this request id', requestId);
  });

  return app;
}
