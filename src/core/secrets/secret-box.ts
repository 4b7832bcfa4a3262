/**
 * Secrets at rest (webhook signing secrets, DKIM private keys): the port core code seals them
 * with before a store writes them, and opens them with where they are used. Stores only ever
 * see the envelope; the key lives in configuration, never in the database.
 */

/** The envelope's first field: `enc:v1:<key id>:<iv>:<ciphertext>` (aes-gcm-box.ts). */
export const ENVELOPE_PREFIX = 'enc:';

/**
 * Seals and opens short secrets. `context` names the row the secret belongs to (see
 * `secretContext`); it is authenticated with the ciphertext, so an envelope copied to another
 * row does not open there.
 */
export interface SecretBox {
  /** Hex id of the current key; envelopes carry it, so a reader knows which key sealed them. */
  readonly keyId: string;
  /** Seals under the current key. */
  seal(plain: string, context: string): Promise<string>;
  /**
   * The plaintext of an envelope sealed under the current or the previous key. A value without
   * the envelope is legacy plaintext (written before secrets were sealed) and comes back as it is.
   * Rejects with SecretKeyError when no configured key opens it.
   */
  open(stored: string, context: string): Promise<string>;
  /** True when `stored` is an envelope of the current key; false for legacy plaintext or an older key. */
  isCurrent(stored: string): boolean;
}

/** An envelope no configured key opens: the wrong key, a missing previous key, or tampered bytes. */
export class SecretKeyError extends Error {
  override readonly name = 'SecretKeyError';
}

/** What a sealed value belongs to: the AAD of its envelope. */
export type SecretKind = 'webhook' | 'dkim';

export function secretContext(kind: SecretKind, id: string): string {
  return `${kind}:${id}`;
}

/** The box of a composition, or a fault where one is needed and none was injected (the CLI's). */
export function requireSecretBox(box: SecretBox | undefined): SecretBox {
  if (!box) throw new Error('no secret box is configured: secrets cannot be sealed or opened here');
  return box;
}
