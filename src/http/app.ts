import { Hono } from 'hono';
import { BreakwaterError } from '../core/errors.ts';
import { randomToken } from '../core/crypto.ts';
import type { AppDeps } from './app-deps.ts';
import type { AppEnv } from './app-env.ts';
import type { RoutePolicy } from './policy.ts';
import { problemResponse } from './problem.ts';
import { registerRoutes } from './router.ts';
import { routeTable } from './routes/index.ts';

export interface CreateAppOptions {
  /** Defaults to the full route table. */
  routes?: RoutePolicy[];
}

/** The Hono app of every runtime: the same routes and middleware on Node and Workers. */
export function createApp(deps: AppDeps, options: CreateAppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    const requestId = `req_${randomToken(12)}`;
    c.set('requestId', requestId);
    c.set('log', {});
    const started = performance.now();
    await next();
    // Logging only: response headers were set by the handler, before this point.
    const log = c.get('log');
    deps.logger.info({
      request_id: requestId, method: c.req.method, path: c.req.path, status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10, ...log,
    }, 'request');
  });

  registerRoutes(app, deps, options.routes ?? routeTable());

  app.notFound((c) => problemResponse('not_found', `no route for ${c.req.method} ${c.req.path}`, c.get('requestId') ?? 'req_unknown'));

  app.onError((err, c) => {
    const requestId = c.get('requestId') ?? 'req_unknown';
    if (err instanceof BreakwaterError) {
      c.get('log').code = err.code;
      return problemResponse(err.code, err.message, requestId, err.extras);
    }
    deps.logger.error({ request_id: requestId, err }, 'unhandled error');
    return problemResponse('internal_error', 'an internal error occurred; it was logged with this request id', requestId);
  });

  return app;
}
