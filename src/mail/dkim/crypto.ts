/** The Web Crypto half of DKIM signing: key import (cached) and the signature itself. */
import { fromBase64 } from '../../core/bytes.ts';
import { webCryptoAlgorithm, type DkimAlgorithm } from './keys.ts';

/**
 * Signs the canonicalized header data of RFC 6376 §3.7. RSASSA-PKCS1-v1_5 hashes
 * inside Web Crypto; Ed25519 signs the SHA-256 hash of the data, not the data
 * (RFC 8463 §3). Throws when the key does not import as `algorithm`.
 */
export async function signHeaderData(
  data: Uint8Array<ArrayBuffer>, algorithm: DkimAlgorithm, privateKeyPkcs8: string,
): Promise<Uint8Array> {
  const key = await importSigningKey(algorithm, privateKeyPkcs8);
  const input = algorithm === 'ed25519' ? await crypto.subtle.digest('SHA-256', data) : data;
  return new Uint8Array(await crypto.subtle.sign(webCryptoAlgorithm(algorithm), key, input));
}

const KEY_CACHE_SIZE = 64;
const keyCache = new Map<string, Promise<CryptoKey>>();

/**
 * Imported keys by algorithm and PKCS #8 text, least recently used out first:
 * an RSA import costs about as much as a signature and signing runs per message.
 * Holding the promise lets concurrent first uses share one import.
 */
function importSigningKey(algorithm: DkimAlgorithm, pkcs8: string): Promise<CryptoKey> {
  const id = `${algorithm}:${pkcs8}`;
  const hit = keyCache.get(id);
  if (hit) {
    keyCache.delete(id);
    keyCache.set(id, hit);
    return hit;
  }
  const pending = Promise.resolve()
    .then(() => crypto.subtle.importKey('pkcs8', fromBase64(pkcs8), webCryptoAlgorithm(algorithm), false, ['sign']));
  pending.catch(() => keyCache.delete(id));
  keyCache.set(id, pending);
  if (keyCache.size > KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value!);
  return pending;
}
