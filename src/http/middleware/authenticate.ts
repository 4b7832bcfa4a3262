import type { Context } from 'hono';
import type { Principal } from '../../core/auth/principal.ts';
import { sha256Hex, timingSafeEqual } from '../../core/crypto.ts';
import { BreakwaterError } from '../../core/errors.ts';
import { take } from '../../core/limits/outbound-guard.ts';
import { rateLimited } from '../../core/limits/refusal.ts';
import type { KeyCheck } from '../../core/keys/key-verifier.ts';
import type { AppDeps } from '../app-deps.ts';
import type { RouteAuth } from '../policy.ts';
import { sessionPrincipal } from '../dashboard/session.ts';

const unauthorized = (detail: string) =>
  new BreakwaterError('unauthorized', detail, { fix: 'Send Authorization: Bearer <key> with a valid, unrevoked key.' });

const BEARER = /^Bearer\s+(\S+)\s*$/i;

const TOO_MANY_FAILURES = 'Too many failed authentications from this address; fix the key, then wait for Retry-After.';

/** A failed authentication spends a token of the client address's bucket (DESIGN §5: 10/min). */
async function fail(deps: AppDeps, c: Context, err: BreakwaterError): Promise<never> {
  const d = await take(deps.edge.limiter, deps.edge.clientAddress(c), deps.edge.limits.authFailures, 1);
  if (!d.ok) throw rateLimited(d, 'rate_limited', TOO_MANY_FAILURES);
  throw err;
}

/** Before work that could reach the store for an unknown credential: is this address still allowed to fail? */
async function assertMayTry(deps: AppDeps, c: Context): Promise<void> {
  const limiter = deps.edge.limiter as { peekSync?: AppDeps['edge']['limiter']['takeSync'] };
  const address = deps.edge.clientAddress(c);
  // The memory limiter answers at once; a shared one (Redis) costs a round trip, only for uncached credentials.
  const d = limiter.peekSync ? limiter.peekSync(address, deps.edge.limits.authFailures) : await deps.edge.limiter.peek(address, deps.edge.limits.authFailures);
  if (!d.ok) throw rateLimited(d, 'rate_limited', TOO_MANY_FAILURES);
}

function reasonText(check: Extract<KeyCheck, { ok: false }>): string {
  return check.reason === 'revoked' ? 'this API key was revoked' : check.reason === 'malformed' ? 'malformed API key' : 'unknown API key';
}

/**
 * Resolves the caller from `Authorization: Bearer …` as the route's policy demands. A key in
 * the cache costs no I/O; an uncached credential reaches the store only under the in-flight
 * gate and only while its client address has failures left.
 */
export async function authenticate(deps: AppDeps, auth: RouteAuth, c: Context): Promise<Principal | null> {
  if (auth === 'none') return null;
  const header = c.req.header('authorization');
  // The dashboard's HttpOnly session cookie stands for the operator where no header was sent (dashboard/session.ts).
  if (!header && auth !== 'key') {
    const session = await sessionPrincipal(deps.operatorTokenHash, c, deps.clock());
    if (session) return session;
  }
  const m = header ? BEARER.exec(header) : null;
  if (!m) return fail(deps, c, unauthorized(header ? 'the Authorization header is not "Bearer <key>"' : 'the Authorization header is missing'));
  const token = m[1]!;
  if (!token.startsWith('bw_')) {
    await assertMayTry(deps, c);
    const operator = timingSafeEqual(await sha256Hex(token), deps.operatorTokenHash);
    // A valid credential of the wrong kind is a scope refusal (DESIGN §4), not an unknown key.
    if (operator && auth === 'key') {
      throw new BreakwaterError('forbidden_scope', 'this call needs an org API key, not the operator token', { fix: 'Use an API key (bw_…) of the org.' });
    }
    if (operator) return { kind: 'operator' };
    return fail(deps, c, unauthorized(auth === 'key' ? 'unknown API key' : 'unknown operator token'));
  }
  let check = deps.keys.cached(token);
  if (!check) {
    await assertMayTry(deps, c);
    check = await deps.keys.verify(token, (query) => deps.edge.gate.run(query));
  }
  if (!check.ok) return fail(deps, c, unauthorized(reasonText(check)));
  // A valid key on an operator route is the wrong credential, not an unknown one (401 is for those).
  if (auth === 'operator') {
    throw new BreakwaterError('forbidden_scope', 'this call needs the operator token', { fix: 'Use the operator token, not an org key.' });
  }
  return { kind: 'key', key: check.key, orgId: check.key.orgId, plan: check.plan };
}

/**
 * The caller without an await, where that needs no I/O: a route without auth, or an API key the
 * verifier holds as valid. undefined: `authenticate` must decide (an uncached or bad key, the
 * operator token, a session cookie, a missing header), and it answers any refusal.
 */
export function authenticateCached(deps: AppDeps, auth: RouteAuth, c: Context): Principal | null | undefined {
  if (auth === 'none') return null;
  if (auth === 'operator') return undefined;
  const header = c.req.header('authorization');
  const m = header ? BEARER.exec(header) : null;
  if (!m || !m[1]!.startsWith('bw_')) return undefined;
  const check = deps.keys.cached(m[1]!);
  if (!check?.ok) return undefined;
  return { kind: 'key', key: check.key, orgId: check.key.orgId, plan: check.plan };
}
