import type { Context, Hono } from 'hono';
import { BreakwaterError } from '../core/errors.ts';
import { isValidIdempotencyKey, parseIdempotencyKey } from '../core/idempotency/idempotency.ts';
import type { AppDeps } from './app-deps.ts';
import type { KeyPrincipal, Principal } from '../core/auth/principal.ts';
import type { AppEnv, RequestLog } from './app-env.ts';
import { checkLoop, checkQuarantine, KEY_FIX, spendKey, spentOf, takeKeySync, type Spent } from './edge/edge-steps.ts';
import { RefusalCache } from './edge/refusal-cache.ts';
import { authenticate, authenticateCached } from './middleware/authenticate.ts';
import { errorResponse, finish, openRequest, recordRefusal, type RequestScope } from './request-scope.ts';
import { readBodyLimited } from './middleware/body.ts';
import { parseJson, validate } from './middleware/validate.ts';
import { KiB, type RoutePolicy } from './policy.ts';
import { sha256Hex } from '../core/crypto.ts';

const DEFAULT_BODY_LIMIT = 64 * KiB;

function json(status: number, body: unknown, requestId: string, headers?: Record<string, string>): Response {
  const h: Record<string, string> = { 'x-request-id': requestId, ...headers };
  if (status === 204) return new Response(null, { status, headers: h });
  h['content-type'] = 'application/json; charset=utf-8';
  return new Response(JSON.stringify(body), { status, headers: h });
}

function idempotencyKeyOf(c: Context): string {
  const key = parseIdempotencyKey(c.req.header('idempotency-key'));
  if (key === null) {
    throw new BreakwaterError('missing_header', 'the Idempotency-Key header is required', {
      fix: 'Send Idempotency-Key with a unique value per logical request (a UUID), and the same value on retries.',
    });
  }
  if (!isValidIdempotencyKey(key)) {
    throw new BreakwaterError('invalid_header', 'Idempotency-Key must be 1 to 256 visible ASCII characters', { fix: 'Use a UUID as the key.' });
  }
  return key;
}

async function readJsonBody(c: Context, limit: number): Promise<{ bytes: Uint8Array; value: unknown }> {
  const type = c.req.header('content-type') ?? '';
  if (!type) throw new BreakwaterError('missing_header', 'the Content-Type header is required', { fix: 'Send Content-Type: application/json.' });
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new BreakwaterError('unsupported_media_type', `Content-Type ${type.slice(0, 100)} is not JSON`, { fix: 'Send Content-Type: application/json.' });
  }
  const bytes = await readBodyLimited(c.req.raw, limit);
  return { bytes, value: parseJson(bytes) };
}

/** A step the synchronous prelude left to the async part of the chain. */
const LATER = undefined;

/**
 * The chain a policy describes, cheapest refusal first: auth (cached), quarantine, the key
 * bucket, required headers — all from memory — then the body (limited), loop detection,
 * schema, the rest of the key cost, and only then the handler, under the in-flight gate.
 *
 * The first three run without an await when they can (a cached key, the memory limiter): a key
 * whose bucket is empty, the storm case, is answered synchronously from a preformatted refusal,
 * before the body is read and with no Promise for @hono/node-server to wait on.
 */
function chain(deps: AppDeps, policy: RoutePolicy, keyRefusals: RefusalCache) {
  const limit = policy.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const loopCheck = policy.loopCheck ?? policy.method !== 'GET';
  const gated = policy.store !== false;
  const route = `${policy.method} ${policy.path}`;
  const requestHashOf = (text: string): string | Promise<string> => (deps.sha256Sync ? deps.sha256Sync(text) : sha256Hex(text));

  /** Everything after the key bucket; `principal` and `spent` are LATER when the prelude could not settle them. */
  async function rest(c: Context<AppEnv>, scope: RequestScope, principal: Principal | null | undefined, spent: Spent | null | undefined): Promise<Response> {
    const { requestId, log } = scope;
    try {
      if (principal === LATER) {
        principal = await authenticate(deps, policy.auth, c);
        if (principal?.kind === 'key') admitKey(principal, log);
      }
      if (spent === LATER) spent = principal?.kind === 'key' ? await spendKey(deps, principal.key.id, 1) : null;
      for (const name of policy.requiredHeaders ?? []) {
        if (!c.req.header(name)) throw new BreakwaterError('missing_header', `the ${name} header is required`, { fix: `Send the ${name} header.` });
      }
      const idempotencyKey = policy.idempotent ? idempotencyKeyOf(c) : null;
      let body: unknown = undefined;
      let requestHash: string | null = null;
      if (policy.body) {
        const raw = await readJsonBody(c, limit);
        if (loopCheck && principal?.kind === 'key') await checkLoop(deps, principal, policy, c.req.path, raw.value);
        body = validate(policy.body, raw.value, 'body');
        if (idempotencyKey !== null) requestHash = await requestHashOf(`${policy.method} ${c.req.path}\n${new TextDecoder().decode(raw.bytes)}`);
      } else {
        if (loopCheck && principal?.kind === 'key') await checkLoop(deps, principal, policy, c.req.path, undefined);
        if (idempotencyKey !== null) requestHash = await requestHashOf(`${policy.method} ${c.req.path}`);
      }
      if (spent && policy.keyCost) {
        const extra = Math.min(policy.keyCost(body), deps.edge.limits.maxSendCost) - 1;
        if (extra > 0 && principal?.kind === 'key') spent = await spendKey(deps, principal.key.id, extra);
      }
      const query = policy.query ? validate(policy.query, c.req.query(), 'query') : undefined;
      const params = c.req.param() as Record<string, string>;
      if (params.id) log.target = params.id;
      const run = () => policy.handler({ c, deps, principal: principal ?? null, requestId, body, query, params, idempotencyKey, requestHash, signal: c.req.raw.signal });
      const result = gated ? await deps.edge.gate.run(run) : await run();
      if (result instanceof Response) {
        if (spent) for (const [k, v] of Object.entries(spent.headers)) result.headers.set(k, v);
        return result;
      }
      return json(result.status, result.body, requestId, spent ? { ...spent.headers, ...result.headers } : result.headers);
    } catch (err) {
      if (err instanceof BreakwaterError) {
        // Refusals after the key bucket still tell the client where it stands.
        if (spent) err.extras.headers = { ...spent.headers, ...err.extras.headers };
        // The rest of an oversized body is never read: close the connection, or Node drains the
        // whole declared Content-Length (any size) to keep it alive.
        if (err.code === 'payload_too_large') err.extras.headers = { ...err.extras.headers, connection: 'close' };
      }
      return errorResponse(deps, scope, err);
    }
  }

  /** A key's ids on the log, and its quarantine (throws the refusal). */
  function admitKey(principal: KeyPrincipal, log: RequestLog): void {
    log.org = principal.orgId;
    log.key = principal.key.id;
    checkQuarantine(deps, principal, policy.lane);
  }

  return (c: Context<AppEnv>): Response | Promise<Response> => {
    const scope = openRequest(c, { lane: policy.lane, route });
    let principal: Principal | null | undefined = LATER;
    let spent: Spent | null | undefined = LATER;
    try {
      principal = authenticateCached(deps, policy.auth, c);
      if (principal === null) spent = null;
      else if (principal?.kind === 'key') {
        admitKey(principal, scope.log);
        const d = takeKeySync(deps, principal.key.id, 1);
        if (d && !d.ok) {
          recordRefusal(deps, scope.log, 'rate_limited');
          return finish(deps, c, scope, keyRefusals.respond(d, scope.requestId));
        }
        if (d) spent = spentOf(d);
      }
    } catch (err) {
      return finish(deps, c, scope, errorResponse(deps, scope, err));
    }
    return rest(c, scope, principal, spent).then((res) => finish(deps, c, scope, res));
  };
}

/** Registers every policy of the table; a route can only exist through its policy. */
export function registerRoutes(app: Hono<AppEnv>, deps: AppDeps, table: RoutePolicy[]): void {
  const seen = new Set<string>();
  const keyRefusals = new RefusalCache('rate_limited', KEY_FIX);
  for (const policy of table) {
    const id = `${policy.method} ${policy.path}`;
    if (seen.has(id)) throw new Error(`duplicate route policy: ${id}`);
    if (!policy.lane || !policy.auth || !policy.operationId) throw new Error(`incomplete route policy: ${id}`);
    // What an inbox-scoped key may do here is part of the policy, not an afterthought of the
    // service: test/http/authz-matrix.test.ts proves each route does what it declares.
    if ((policy.auth === 'key' || policy.auth === 'operator_or_key') && !policy.inboxKeys) {
      throw new Error(`route policy without inboxKeys (what an inbox-scoped key may do): ${id}`);
    }
    seen.add(id);
    app.on(policy.method, policy.path, chain(deps, policy, keyRefusals));
  }
}
