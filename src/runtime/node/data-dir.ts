import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import selfsigned from 'selfsigned';

/** Files Breakwater keeps beside its database: the operator token and the STARTTLS certificate. */
export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/**
 * The operator token: from configuration, else the one made on first start (kept in the
 * data dir, readable by its owner only). `created` tells the caller to print it once.
 */
export function operatorToken(dir: string, configured: string | undefined): { token: string; created: boolean } {
  if (configured) return { token: configured, created: false };
  const file = join(dir, 'operator-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), created: false };
  const token = `bwop_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, token + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, created: true };
}

/**
 * The key that seals secrets at rest: from configuration, else the one made on first start,
 * kept beside the database (owner-only, as the operator token). A copy of the database without
 * this file holds no usable webhook secret or DKIM key.
 */
export function secretKey(dir: string, configured: string | undefined): { key: string; created: boolean } {
  if (configured) return { key: configured, created: false };
  const file = join(dir, 'secret-key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), created: false };
  const key = randomBytes(32).toString('hex');
  // 'wx': two processes starting on one data dir at once must not each write a different key.
  try {
    writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { key: readFileSync(file, 'utf8').trim(), created: false };
    throw err;
  }
  chmodSync(file, 0o600);
  return { key, created: true };
}

/** The STARTTLS certificate: configured PEM files, else a self-signed one made at first start. */
export async function tlsCredentials(dir: string, certFile: string | undefined, keyFile: string | undefined, hostname: string): Promise<{ cert: string; key: string }> {
  if (certFile && keyFile) return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  const certPath = join(dir, 'tls-cert.pem');
  const keyPath = join(dir, 'tls-key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  const pems = await selfsigned.generate([{ name: 'commonName', value: hostname }], { keySize: 2048, algorithm: 'sha256', notAfterDate: new Date(Date.now() + 825 * 86_400_000) });
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  writeFileSync(certPath, pems.cert);
  return { cert: pems.cert, key: pems.private };
}
