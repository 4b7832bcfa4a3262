/**
 * At start: every secret at rest that is not sealed under the current key (legacy plaintext
 * from before sealing, or an envelope of BREAKWATER_SECRET_KEY_PREVIOUS after a rotation) is
 * sealed again. A migration cannot do this (it never sees the key), and reading through would
 * leave secrets that are never read (an idle endpoint's) in plaintext for good.
 */
import type { Logger, SecretStore } from '../ports.ts';
import { ENVELOPE_PREFIX, SecretKeyError, secretContext, type SecretBox, type SecretKind } from './secret-box.ts';

const KINDS: SecretKind[] = ['webhook', 'dkim'];
const PAGE = 100;

export interface ResealResult {
  /** Plaintext rows sealed now. */
  legacy: number;
  /** Rows of the previous key sealed under the current one. */
  rotated: number;
}

/**
 * Seals every stale secret under the current key. Rejects with SecretKeyError, before writing
 * anything more, on the first envelope no configured key opens: the start should stop there and
 * name the key, rather than run and fail each delivery. Safe on several nodes at once: a row
 * another node resealed first is left as that node wrote it.
 */
export async function resealSecrets(store: SecretStore, box: SecretBox, logger: Logger): Promise<ResealResult> {
  const prefix = `${ENVELOPE_PREFIX}v1:${box.keyId}:`;
  const result: ResealResult = { legacy: 0, rotated: 0 };
  for (const kind of KINDS) {
    let after: string | null = null;
    for (;;) {
      const rows = await store.listStaleSecrets(kind, prefix, after, PAGE);
      for (const row of rows) {
        const context = secretContext(kind, row.id);
        const plain = await box.open(row.value, context);
        if (await store.replaceSecret(kind, row.id, row.value, await box.seal(plain, context))) {
          if (row.value.startsWith(ENVELOPE_PREFIX)) result.rotated++;
          else result.legacy++;
        }
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.id;
    }
  }
  if (result.legacy || result.rotated) logger.info({ ...result, keyId: box.keyId }, 'secrets at rest sealed under the current key');
  return result;
}

export { SecretKeyError };
