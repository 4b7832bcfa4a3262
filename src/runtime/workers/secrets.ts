import type { Logger, SecretStore } from '../../core/ports.ts';
import { AesGcmSecretBox, parseSecretKey } from '../../core/secrets/aes-gcm-box.ts';
import { resealSecrets } from '../../core/secrets/reseal.ts';
import { SecretKeyError, type SecretBox } from '../../core/secrets/secret-box.ts';
import { WorkerConfigError, type WorkerConfig } from './config.ts';

const encoder = new TextEncoder();

/**
 * Without BREAKWATER_SECRET_KEY the key is derived from the operator token (HKDF-SHA256), the
 * one secret a Worker already requires: `wrangler dev` keeps working with the token alone, as
 * `npm start` does with nothing. The two are then tied: a new operator token would open nothing
 * stored, so production sets its own key.
 */
async function derivedKey(operatorToken: string): Promise<Uint8Array<ArrayBuffer>> {
  const ikm = await crypto.subtle.importKey('raw', encoder.encode(operatorToken), 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('breakwater'), info: encoder.encode('secrets at rest v1') }, ikm, 256,
  );
  return new Uint8Array(bits);
}

/** The isolate's SecretBox, after every secret at rest is sealed under its key (core/secrets/reseal.ts). */
export async function openWorkerSecrets(config: WorkerConfig & { BREAKWATER_OPERATOR_TOKEN: string }, store: SecretStore, logger: Logger): Promise<SecretBox> {
  const configured = config.BREAKWATER_SECRET_KEY ? parseSecretKey(config.BREAKWATER_SECRET_KEY) : null;
  const previous = config.BREAKWATER_SECRET_KEY_PREVIOUS ? parseSecretKey(config.BREAKWATER_SECRET_KEY_PREVIOUS) : null;
  const box = await AesGcmSecretBox.create({ current: configured ?? await derivedKey(config.BREAKWATER_OPERATOR_TOKEN), previous });
  if (!configured) logger.warn({ keyId: box.keyId }, 'BREAKWATER_SECRET_KEY is not set: secrets at rest are sealed with a key derived from the operator token; set one with `wrangler secret put BREAKWATER_SECRET_KEY`');
  try {
    await resealSecrets(store, box, logger);
  } catch (err) {
    if (!(err instanceof SecretKeyError)) throw err;
    const source = configured ? 'BREAKWATER_SECRET_KEY is another' : 'the key derived from BREAKWATER_OPERATOR_TOKEN is another';
    throw new WorkerConfigError(`BREAKWATER_SECRET_KEY: ${err.message}; set the key that sealed them (${source}), with its predecessor in BREAKWATER_SECRET_KEY_PREVIOUS while rotating`);
  }
  return box;
}
