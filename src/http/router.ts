import type { Context, Hono } from 'hono';
import { sha256Hex } from '../core/crypto.ts';
import { BreakwaterError } from '../core/errors.ts';
import { isValidIdempotencyKey, parseIdempotencyKey } from '../core/idempotency/idempotency.ts';
import type { AppDeps } from './app-deps.ts';
import { authenticate } from './middleware/authenticate.ts';
import { readBodyLimited } from './middleware/body.ts';
import { parseJson, validate } from './middleware/validate.ts';
import { KiB, type RoutePolicy } from './policy.ts';
import type { AppEnv } from './app-env.ts';

const DEFAULT_BODY_LIMIT = 64 * KiB;

function json(status: number, body: unknown, requestId: string, headers: Record<string, string> = {}): Response {
  if (status === 204) return new Response(null, { status, headers: { 'x-request-id': requestId, ...headers } });
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId, ...headers },
  });
}

function checkHeaders(c: Context, policy: RoutePolicy): string | null {
  for (const name of policy.requiredHeaders ?? []) {
    if (!c.req.header(name)) {
      throw new BreakwaterError('missing_header', `the ${name} header is required on ${policy.method} ${policy.path}`, { fix: `Send the ${name} header.` });
    }
  }
  if (!policy.idempotent) return null;
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

/** Runs the chain a policy describes: auth, headers, body limit, JSON, schema, then the handler. */
function chain(deps: AppDeps, policy: RoutePolicy) {
  const limit = policy.bodyLimit ?? DEFAULT_BODY_LIMIT;
  return async (c: Context<AppEnv>): Promise<Response> => {
    const requestId = c.get('requestId');
    const log = c.get('log');
    log.lane = policy.lane;
    log.route = `${policy.method} ${policy.path}`;
    const principal = await authenticate(deps, policy.auth, c.req.header('authorization'));
    if (principal?.kind === 'key') {
      log.org = principal.orgId;
      log.key = principal.key.id;
    }
    const idempotencyKey = checkHeaders(c, policy);
    let body: unknown = undefined;
    let requestHash: string | null = null;
    if (policy.body) {
      const type = c.req.header('content-type') ?? '';
      if (!type) throw new BreakwaterError('missing_header', 'the Content-Type header is required', { fix: 'Send Content-Type: application/json.' });
      if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
        throw new BreakwaterError('unsupported_media_type', `Content-Type ${type.slice(0, 100)} is not JSON`, { fix: 'Send Content-Type: application/json.' });
      }
      const bytes = await readBodyLimited(c.req.raw, limit);
      body = validate(policy.body, parseJson(bytes), 'body');
      if (idempotencyKey !== null) requestHash = await sha256Hex(`${policy.method} ${c.req.path}\n${new TextDecoder().decode(bytes)}`);
    } else if (idempotencyKey !== null) {
      requestHash = await sha256Hex(`${policy.method} ${c.req.path}`);
    }
    const query = policy.query ? validate(policy.query, c.req.query(), 'query') : undefined;
    const params = c.req.param() as Record<string, string>;
    if (params.id) log.target = params.id;
    const result = await policy.handler({
      c, deps, principal, requestId, body, query, params, idempotencyKey, requestHash, signal: c.req.raw.signal,
    });
    if (result instanceof Response) return result;
    return json(result.status, result.body, requestId, result.headers);
  };
}

/** Registers every policy of the table; a route can only exist through its policy. */
export function registerRoutes(app: Hono<AppEnv>, deps: AppDeps, table: RoutePolicy[]): void {
  const seen = new Set<string>();
  for (const policy of table) {
    const id = `${policy.method} ${policy.path}`;
    if (seen.has(id)) throw new Error(`duplicate route policy: ${id}`);
    if (!policy.lane || !policy.auth || !policy.operationId) throw new Error(`incomplete route policy: ${id}`);
    seen.add(id);
    app.on(policy.method, policy.path, chain(deps, policy));
  }
}
