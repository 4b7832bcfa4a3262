import type { Context } from 'hono';
import { z } from 'zod';
import { sha256Hex, timingSafeEqual } from '../../core/crypto.ts';
import { BreakwaterError, notFound } from '../../core/errors.ts';
import { take } from '../../core/limits/outbound-guard.ts';
import { rateLimited } from '../../core/limits/refusal.ts';
import type { AppDeps } from '../app-deps.ts';
import { clearedCookie, createSession, isSecure, readSession } from '../dashboard/session.ts';
import { defineRoute } from '../policy.ts';
import { Problem } from '../schemas.ts';

/** No inline script or style, nothing from another origin: an injected tag has nothing to run. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

function asset(deps: AppDeps, name: string, requestId: string): Response {
  const res = deps.observability?.dashboardAsset?.(name);
  if (!res) throw notFound('asset');
  res.headers.set('x-request-id', requestId);
  for (const [k, v] of Object.entries(PAGE_HEADERS)) if (k !== 'cache-control' || name === 'index.html') res.headers.set(k, v);
  return res;
}

const LoginBody = z.strictObject({ token: z.string().min(1).max(512) });
const SessionJson = z.object({ csrf_token: z.string().nullable(), expires_at: z.string().nullable() });

/** A wrong token spends the client address's auth-failure bucket, as a wrong Bearer does (DESIGN §5). */
async function refuseLogin(deps: AppDeps, c: Context): Promise<never> {
  const d = await take(deps.edge.limiter, deps.edge.clientAddress(c), deps.edge.limits.authFailures, 1);
  if (!d.ok) throw rateLimited(d, 'rate_limited', 'Too many failed sign-ins from this address; wait for Retry-After.');
  throw new BreakwaterError('unauthorized', 'unknown operator token', { fix: 'Paste the operator token printed at first start (or BREAKWATER_OPERATOR_TOKEN).' });
}

/**
 * The operator dashboard: a static page and its assets (public: they hold no data), and the
 * sign-in that turns the operator token into an HttpOnly session cookie (dashboard/session.ts).
 */
export const dashboardRoutes = [
  defineRoute({
    method: 'GET', path: '/dashboard', operationId: 'dashboard', store: false, summary: 'The operator dashboard (sign in with the operator token)', tag: 'Dashboard',
    auth: 'none', lane: 'control', responses: { 200: { description: 'HTML', contentType: 'text/html' } },
    handler: async ({ deps, requestId }) => asset(deps, 'index.html', requestId),
  }),
  defineRoute({
    method: 'GET', path: '/dashboard/assets/:name', operationId: 'dashboardAsset', store: false, summary: 'The dashboard\'s script, styles and chart library (served locally)', tag: 'Dashboard',
    auth: 'none', lane: 'control', responses: { 200: { description: 'Asset' }, 404: { description: 'Unknown asset', schema: Problem } },
    handler: async ({ deps, params, requestId }) => asset(deps, params.name!, requestId),
  }),
  defineRoute({
    method: 'POST', path: '/dashboard/login', operationId: 'dashboardLogin', store: false, tag: 'Dashboard',
    summary: 'Trade the operator token for an 8-hour HttpOnly session cookie; answers the CSRF token to send on unsafe methods',
    auth: 'none', lane: 'control', body: LoginBody, loopCheck: false,
    responses: { 200: { description: 'Signed in (Set-Cookie)', schema: SessionJson }, 401: { description: 'Wrong token', schema: Problem } },
    handler: async ({ c, deps, body, requestId }) => {
      const limiter = deps.edge.limiter as { peekSync?: typeof deps.edge.limiter.takeSync };
      const address = deps.edge.clientAddress(c);
      const peek = limiter.peekSync ? limiter.peekSync(address, deps.edge.limits.authFailures) : await deps.edge.limiter.peek(address, deps.edge.limits.authFailures);
      if (!peek.ok) throw rateLimited(peek, 'rate_limited', 'Too many failed sign-ins from this address; wait for Retry-After.');
      if (!timingSafeEqual(await sha256Hex(body.token), deps.operatorTokenHash)) return refuseLogin(deps, c);
      const session = await createSession(deps.operatorTokenHash, deps.clock(), isSecure(c));
      return new Response(JSON.stringify({ csrf_token: session.csrfToken, expires_at: new Date(session.expiresAt).toISOString() }), {
        status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'set-cookie': session.cookie, 'cache-control': 'no-store', 'x-request-id': requestId },
      });
    },
  }),
  defineRoute({
    method: 'GET', path: '/dashboard/session', operationId: 'dashboardSession', store: false, tag: 'Dashboard',
    summary: 'This browser\'s session: its CSRF token and expiry (a reloaded page picks them up again), or nulls when signed out',
    // Reads the cookie itself: a signed-out page asking costs no authentication failure.
    auth: 'none', lane: 'control',
    responses: { 200: { description: 'The session, or nulls without a valid one', schema: SessionJson } },
    handler: async ({ c, deps }) => {
      const s = await readSession(deps.operatorTokenHash, c.req.header('cookie'), deps.clock());
      return { status: 200, body: { csrf_token: s?.csrfToken ?? null, expires_at: s ? new Date(s.expiresAt).toISOString() : null } };
    },
  }),
  defineRoute({
    method: 'POST', path: '/dashboard/logout', operationId: 'dashboardLogout', store: false, summary: 'End the dashboard session in this browser', tag: 'Dashboard',
    auth: 'none', lane: 'control', loopCheck: false, responses: { 204: { description: 'Signed out (the cookie is cleared)' } },
    handler: async ({ c, requestId }) => new Response(null, { status: 204, headers: { 'set-cookie': clearedCookie(isSecure(c)), 'x-request-id': requestId } }),
  }),
];
