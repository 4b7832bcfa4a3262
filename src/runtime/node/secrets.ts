import { join } from 'node:path';
import type { Logger, SecretStore } from '../../core/ports.ts';
import { AesGcmSecretBox, parseSecretKey } from '../../core/secrets/aes-gcm-box.ts';
import { resealSecrets } from '../../core/secrets/reseal.ts';
import { SecretKeyError, type SecretBox } from '../../core/secrets/secret-box.ts';
import { ConfigError, type Config } from './config.ts';
import { secretKey } from './data-dir.ts';

/**
 * The SecretBox of this process, with every secret at rest sealed under its key before the
 * process serves. A key that opens nothing stored stops the start with one line naming the
 * variable, rather than a process that runs and fails each webhook and each signed send.
 */
export async function openSecrets(config: Config, store: SecretStore, logger: Logger): Promise<SecretBox> {
  if (config.BREAKWATER_DATABASE_URL && !config.BREAKWATER_SECRET_KEY) {
    // Each node would otherwise make its own key and fail to open the others' secrets.
    throw new ConfigError('BREAKWATER_SECRET_KEY: required with BREAKWATER_DATABASE_URL, the same on every node (openssl rand -hex 32)');
  }
  const { key, created } = secretKey(config.BREAKWATER_DATA_DIR, config.BREAKWATER_SECRET_KEY);
  const current = parseSecretKey(key);
  const where = config.BREAKWATER_SECRET_KEY ? 'BREAKWATER_SECRET_KEY' : `the key file ${join(config.BREAKWATER_DATA_DIR, 'secret-key')}`;
  if (!current) throw new ConfigError(`BREAKWATER_SECRET_KEY: ${where} is not 32 bytes (64 hex digits or base64)`);
  const previous = config.BREAKWATER_SECRET_KEY_PREVIOUS ? parseSecretKey(config.BREAKWATER_SECRET_KEY_PREVIOUS) : null;
  const box = await AesGcmSecretBox.create({ current, previous });
  if (created) logger.info({ keyId: box.keyId }, 'made a key for secrets at rest in the data dir; back it up with the database');
  try {
    await resealSecrets(store, box, logger);
  } catch (err) {
    if (!(err instanceof SecretKeyError)) throw err;
    throw new ConfigError(`BREAKWATER_SECRET_KEY: ${err.message}; set the key that sealed them (${where} is another), with the new one's predecessor in BREAKWATER_SECRET_KEY_PREVIOUS while rotating`);
  }
  return box;
}
