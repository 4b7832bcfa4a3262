import type { Context } from 'hono';
import { randomToken } from '../core/crypto.ts';
import { BreakwaterError, StoreUnavailableError } from '../core/errors.ts';
import type { Lane } from '../core/model.ts';
import { logStoreFault } from '../core/store-fault-log.ts';
import type { AppDeps } from './app-deps.ts';
import type { AppEnv, RequestLog } from './app-env.ts';
import { problemResponse } from './problem.ts';
import { requestObservation } from './request-telemetry.ts';

// Request ids: a random per-process prefix and a counter. Unique without a random draw per request.
// Made on first use: workerd refuses randomness at global scope (the Worker would not start).
let REQUEST_PREFIX: string | null = null;
let requestCounter = 0;

/** Refusals a runaway client can trigger thousands of times a second. */
const STORM_CODES = new Set(['rate_limited', 'loop_detected', 'quarantined', 'overloaded', 'unauthorized', 'quota_exceeded', 'outbound_throttled', 'outbound_paused']);

/** One request's id, log fields and start time; what a middleware would otherwise carry. */
export interface RequestScope {
  requestId: string;
  log: RequestLog;
  started: number;
}

/**
 * Opens a request: its id and log fields, shared with handlers through the context. Each route
 * does this in its own handler rather than in an `app.use` middleware, so a refusal can be
 * answered synchronously: Hono calls a lone handler directly, and @hono/node-server writes a
 * Response that is not a Promise in the same tick, with no await, close listener or microtask.
 */
export function openRequest(c: Context<AppEnv>, log: RequestLog): RequestScope {
  const requestId = `${(REQUEST_PREFIX ??= `req_${randomToken(6)}`)}${(requestCounter++).toString(36).padStart(6, '0')}`;
  c.set('requestId', requestId);
  c.set('log', log);
  return { requestId, log, started: performance.now() };
}

/** Closes a request: lane telemetry and, except for storm refusals, one log line. */
export function finish(deps: AppDeps, c: Context, scope: RequestScope, res: Response): Response {
  const { log, started } = scope;
  const ms = performance.now() - started;
  deps.telemetry?.request(requestObservation(c, log, res.status, ms));
  // Storm refusals are counted and summarised per key (RejectionCounter.flush), not logged one by one.
  if (log.code && STORM_CODES.has(log.code)) return res;
  deps.logger.info({
    request_id: scope.requestId, method: c.req.method, path: c.req.path, status: res.status,
    ms: Math.round(ms * 10) / 10, ...log,
  }, 'request');
  return res;
}

/** Counts a refusal per lane and reason (and key): every rejection, whichever path answers it. */
export function recordRefusal(deps: AppDeps, log: RequestLog, code: string): void {
  log.code = code;
  deps.edge.rejections.record((log.lane ?? 'control') as Lane, code, log.key ?? null, log.org ?? null);
}

/** The answer to an error: a refusal's problem, or a logged 500 that names only the request id. */
export function errorResponse(deps: AppDeps, scope: RequestScope, err: unknown): Response {
  if (err instanceof BreakwaterError) {
    // A refusal to the client, but a fault to the operator: the driver's error is logged.
    if (err instanceof StoreUnavailableError) logStoreFault(deps.logger, { request_id: scope.requestId, err: err.cause });
    recordRefusal(deps, scope.log, err.code);
    return problemResponse(err.code, err.message, scope.requestId, err.extras);
  }
  deps.logger.error({ request_id: scope.requestId, err }, 'unhandled error');
  return problemResponse('internal_error', 'an internal error occurred; it was logged with this request id', scope.requestId);
}
