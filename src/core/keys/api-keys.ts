import { randomToken, sha256Hex } from '../crypto.ts';
import { newId } from '../ids.ts';
import type { ApiKey, KeyScope } from '../model.ts';

/** Keys look like `bw_<32 base64url chars>`: 24 random bytes, 192 bits. */
export const KEY_PREFIX = 'bw_';
const KEY_RE = /^bw_[A-Za-z0-9_-]{32}$/;

export function isWellFormedKey(key: string): boolean {
  return KEY_RE.test(key);
}

export function hashKey(key: string): Promise<string> {
  return sha256Hex(key);
}

/** A new key and its stored record; the plain key is returned once and never stored. */
export async function mintKey(input: { orgId: string; name: string; scope: KeyScope; inboxIds: string[]; now: number }): Promise<{ plain: string; record: ApiKey }> {
  const plain = KEY_PREFIX + randomToken(24);
  const record: ApiKey = {
    id: newId('key', input.now),
    orgId: input.orgId,
    name: input.name,
    hash: await hashKey(plain),
    prefix: plain.slice(0, 7),
    scope: input.scope,
    inboxIds: input.inboxIds,
    createdAt: input.now,
    revokedAt: null,
  };
  return { plain, record };
}
