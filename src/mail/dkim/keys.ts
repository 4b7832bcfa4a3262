/**
 * DKIM key pairs made with Web Crypto, so Node and Workers create the same
 * records: RSA 2048 (RFC 6376 §3.3.3, RFC 8301 §3.2) and Ed25519 (RFC 8463).
 */
import { toBase64 } from '../../core/bytes.ts';

/** The signing algorithms Breakwater uses: rsa-sha256 and ed25519-sha256. */
export type DkimAlgorithm = 'rsa' | 'ed25519';

/** A domain's DKIM key: the private half for signing and the public half for DNS. */
export interface DkimKey {
  algorithm: DkimAlgorithm;
  /** PKCS #8 DER of the private key, base64. A secret: store it like one. */
  privateKeyPkcs8: string;
  /** The `p=` value of the DNS record: SPKI DER (RSA) or the raw 32-byte key (Ed25519, RFC 8463 §4), base64. */
  publicKeyDns: string;
}

/** Web Crypto parameters for each algorithm; hash is SHA-256 for both (RFC 8301 §3.1). */
export function webCryptoAlgorithm(algorithm: DkimAlgorithm): Parameters<SubtleCrypto['importKey']>[2] {
  return algorithm === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'Ed25519' };
}

/** Generates a fresh DKIM key pair: RSA 2048 with exponent 65537, or Ed25519. */
export async function generateDkimKey(algorithm: DkimAlgorithm): Promise<DkimKey> {
  // One call per algorithm: the DOM and workerd type these parameters under different names.
  const pair = (algorithm === 'rsa'
    ? await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])
    : await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const privateKey = new Uint8Array((await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer);
  // RFC 6376 §3.6.1: RSA p= is a SubjectPublicKeyInfo; RFC 8463 §4.2: Ed25519 p= is the bare key.
  const publicKey = new Uint8Array((await crypto.subtle.exportKey(algorithm === 'rsa' ? 'spki' : 'raw', pair.publicKey)) as ArrayBuffer);
  return { algorithm, privateKeyPkcs8: toBase64(privateKey), publicKeyDns: toBase64(publicKey) };
}

/**
 * The TXT record value published at `<selector>._domainkey.<domain>` (RFC 6376 §3.6.1),
 * e.g. `v=DKIM1; k=rsa; p=MIIB…`. An RSA 2048 value is longer than one 255-byte
 * TXT string; DNS hosts split it into several strings, which verifiers join.
 */
export function dkimTxtRecord(key: Pick<DkimKey, 'algorithm' | 'publicKeyDns'>): string {
  return `v=DKIM1; k=${key.algorithm}; p=${key.publicKeyDns}`;
}
