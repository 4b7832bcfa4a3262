import type { Principal } from '../../core/auth/principal.ts';
import { sha256Hex, timingSafeEqual } from '../../core/crypto.ts';
import { BreakwaterError } from '../../core/errors.ts';
import type { AppDeps } from '../app-deps.ts';
import type { RouteAuth } from '../policy.ts';

const unauthorized = (detail: string) =>
  new BreakwaterError('unauthorized', detail, { fix: 'Send Authorization: Bearer <key> with a valid, unrevoked key.' });

/** Resolves the caller from `Authorization: Bearer …` as the route's policy demands. */
export async function authenticate(deps: AppDeps, auth: RouteAuth, header: string | undefined): Promise<Principal | null> {
  if (auth === 'none') return null;
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) throw unauthorized(header ? 'the Authorization header is not "Bearer <key>"' : 'the Authorization header is missing');
  const token = m[1]!;
  if (!token.startsWith('bw_')) {
    if (auth === 'key') throw unauthorized('unknown API key');
    if (timingSafeEqual(await sha256Hex(token), deps.operatorTokenHash)) return { kind: 'operator' };
    throw unauthorized('unknown operator token');
  }
  if (auth === 'operator') {
    throw new BreakwaterError('forbidden_scope', 'this call needs the operator token', { fix: 'Use the operator token, not an org key.' });
  }
  const check = await deps.keys.verify(token);
  if (!check.ok) throw unauthorized(check.reason === 'revoked' ? 'this API key was revoked' : check.reason === 'malformed' ? 'malformed API key' : 'unknown API key');
  return { kind: 'key', key: check.key, orgId: check.key.orgId };
}
