import type { Logger, SecretStore } from '../../core/ports.ts';
import { AesGcmSecretBox, parseSecretKey } from '../../core/secrets/aes-gcm-box.ts';
import { resealSecrets } from '../../core/secrets/reseal.ts';
import { SecretKeyError, type SecretBox } from '../../core/secrets/secret-box.ts';
import { WorkerConfigError, type WorkerConfig } from './config.ts';

/**
 * The isolate's SecretBox, after every secret at rest is sealed under its key (core/secrets/reseal.ts).
 * The key is required: a Worker has no data dir to keep a generated one in, and deriving it from
 * another secret would tie the two (a new operator token would open nothing stored).
 * `npm run dev:worker` supplies a local key of its own (bin/dev-worker.js).
 */
export async function openWorkerSecrets(config: WorkerConfig, store: SecretStore, logger: Logger): Promise<SecretBox> {
  const current = config.BREAKWATER_SECRET_KEY ? parseSecretKey(config.BREAKWATER_SECRET_KEY) : null;
  if (!current) {
    throw new WorkerConfigError('BREAKWATER_SECRET_KEY: required on Workers (32 bytes, `openssl rand -hex 32`); set it with `wrangler secret put BREAKWATER_SECRET_KEY`, or in .dev.vars for `wrangler dev`');
  }
  const previous = config.BREAKWATER_SECRET_KEY_PREVIOUS ? parseSecretKey(config.BREAKWATER_SECRET_KEY_PREVIOUS) : null;
  const box = await AesGcmSecretBox.create({ current, previous });
  try {
    await resealSecrets(store, box, logger);
  } catch (err) {
    if (!(err instanceof SecretKeyError)) throw err;
    throw new WorkerConfigError(`BREAKWATER_SECRET_KEY: ${err.message}; set the key that sealed them, with its predecessor in BREAKWATER_SECRET_KEY_PREVIOUS while rotating`);
  }
  return box;
}
