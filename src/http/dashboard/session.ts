/**
 * The dashboard's sign-in: `POST /dashboard/login` trades the operator token for a session
 * cookie, so the token never sits where page scripts (or an injected one) can read it.
 *
 * - The cookie is HttpOnly, SameSite=Strict, Path=/, Secure over HTTPS, and expires in 8 h.
 * - It is stateless: `v1.<expiry>.<nonce>.<HMAC>`, keyed from the operator token's hash, so every
 *   node of a scale-out (and a restarted one) accepts it, and rotating the token ends them all.
 * - It stands for the operator only where a route accepts the operator and no Authorization
 *   header was sent. Unsafe methods must also carry `X-CSRF-Token` (HMAC of the nonce, handed
 *   out at sign-in): SameSite=Strict already keeps other sites' requests cookie-less; the header
 *   is the second lock, and one a cross-site form cannot set.
 */
import type { Context } from 'hono';
import type { Principal } from '../../core/auth/principal.ts';
import { base64Url, randomToken, timingSafeEqual } from '../../core/crypto.ts';
import { BreakwaterError } from '../../core/errors.ts';

/** The cookie's name, the CSRF header, and the session's lifetime. */
export const SESSION_COOKIE = 'bw_dashboard';
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_TTL_MS = 8 * 3600_000;

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(operatorTokenHash: string): Promise<CryptoKey> {
  let key = keys.get(operatorTokenHash);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(`breakwater-dashboard-session:${operatorTokenHash}`), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    // One operator token per process; the map only ever holds one entry, two across a rotation.
    if (keys.size > 4) keys.clear();
    keys.set(operatorTokenHash, key);
  }
  return key;
}

async function mac(operatorTokenHash: string, text: string): Promise<string> {
  const sig = await crypto.subtle.sign('HMAC', await keyFor(operatorTokenHash), encoder.encode(text));
  return base64Url(new Uint8Array(sig));
}

export interface DashboardSession {
  cookie: string;
  csrfToken: string;
  expiresAt: number;
}

/** A new session: the Set-Cookie value and the CSRF token the page sends on unsafe methods. */
export async function createSession(operatorTokenHash: string, now: number, secure: boolean): Promise<DashboardSession> {
  const expiresAt = now + SESSION_TTL_MS;
  const nonce = randomToken(16);
  const value = `v1.${expiresAt}.${nonce}`;
  const sig = await mac(operatorTokenHash, value);
  const cookie = `${SESSION_COOKIE}=${value}.${sig}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}${secure ? '; Secure' : ''}`;
  return { cookie, csrfToken: await mac(operatorTokenHash, `csrf.${nonce}`), expiresAt };
}

/** The Set-Cookie value that ends a session in the browser. */
export function clearedCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure ? '; Secure' : ''}`;
}

function cookieValue(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === SESSION_COOKIE) return rest.join('=');
  }
  return null;
}

/** A valid session's CSRF token and expiry, or null (no cookie, forged, expired, old token). */
export async function readSession(operatorTokenHash: string, cookieHeader: string | undefined, now: number): Promise<{ csrfToken: string; expiresAt: number } | null> {
  const raw = cookieValue(cookieHeader);
  const m = raw ? /^v1\.(\d{1,15})\.([\w-]{16,64})\.([\w-]{20,100})$/.exec(raw) : null;
  if (!m) return null;
  const expiresAt = Number(m[1]);
  if (!(expiresAt > now)) return null;
  const expected = await mac(operatorTokenHash, `v1.${m[1]}.${m[2]}`);
  if (!timingSafeEqual(expected, m[3]!)) return null;
  return { csrfToken: await mac(operatorTokenHash, `csrf.${m[2]}`), expiresAt };
}

/**
 * The operator principal of a dashboard session, or null without one. Unsafe methods without
 * the session's CSRF token are refused (401), never passed on as anonymous.
 */
export async function sessionPrincipal(operatorTokenHash: string, c: Context, now: number): Promise<Principal | null> {
  const session = await readSession(operatorTokenHash, c.req.header('cookie'), now);
  if (!session) return null;
  const safe = c.req.method === 'GET' || c.req.method === 'HEAD';
  if (!safe && !timingSafeEqual(c.req.header(CSRF_HEADER) ?? '', session.csrfToken)) {
    throw new BreakwaterError('unauthorized', 'a dashboard session needs its X-CSRF-Token header on this method', {
      fix: 'Send the csrf_token from POST /dashboard/login in X-CSRF-Token, or use Authorization: Bearer.',
    });
  }
  return { kind: 'operator' };
}

/** Whether the request came over HTTPS (directly, or as a proxy reports it): the cookie gets Secure. */
export function isSecure(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}
