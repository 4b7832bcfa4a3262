/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, "Signature scheme"):
 * `v1,` + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)), where the key is the
 * base64-decoded part of the `whsec_` secret. Web Crypto only, so it runs on Workers too.
 */
import { binaryToBytes, toBase64 } from '../bytes.ts';
import { timingSafeEqual } from '../crypto.ts';

const SECRET_PREFIX = 'whsec_';
/** 32 bytes sits inside the spec's 24–64 byte range for symmetric secrets. */
const SECRET_BYTES = 32;
/** The spec's and the reference libraries' default replay window, in seconds. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

/** The three headers every delivery carries. */
export type WebhookHeaders = Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;

/** A fresh endpoint secret: `whsec_` + base64 of 32 random bytes. Shown to the user once. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/**
 * Signs one delivery attempt. `timestampSeconds` is the attempt's time (not the event's), so a
 * retry is signed anew. Rejects on a malformed secret, id or timestamp: those are faults.
 */
export async function signWebhook(secret: string, msgId: string, timestampSeconds: number, body: string): Promise<string> {
  // The id goes into a header verbatim: refuse anything that could split or fold it (CR, LF, spaces).
  if (!/^[\x21-\x7e]+$/.test(msgId)) throw new TypeError('webhook id must be non-empty visible ASCII');
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError('webhook timestamp must be a non-negative integer number of seconds');
  }
  const key = await hmacKey(secret);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${msgId}.${timestampSeconds}.${body}`));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

/** The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers of one attempt. */
export async function webhookHeaders(secret: string, msgId: string, timestampSeconds: number, body: string): Promise<WebhookHeaders> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': await signWebhook(secret, msgId, timestampSeconds, body),
  };
}

/** Headers as a fetch `Headers` or a plain (Node-style) record; names are matched case-insensitively. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

export type WebhookVerification =
  | { ok: true; msgId: string; timestampSeconds: number }
  | { ok: false; reason: 'missing_headers' | 'invalid_timestamp' | 'timestamp_too_old' | 'timestamp_too_new' | 'no_matching_signature' };

/**
 * Verifies a received webhook (the receiving side, for our SDK). `body` must be the raw bytes
 * received: re-serialized JSON does not verify. Accepts when ANY `v1` entry of the
 * space-separated signature list matches (secret rotation); other versions (`v1a`) are ignored.
 * A refusal is a value; only a malformed secret rejects.
 */
export async function verifyWebhook(
  secret: string,
  headers: HeaderSource,
  body: string | Uint8Array,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): Promise<WebhookVerification> {
  const msgId = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!msgId || !timestamp || !signatures) return { ok: false, reason: 'missing_headers' };

  // Integer seconds only: "1614265330.0", "-1" or "1e9" are refused, as the reference tests do.
  if (!/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: 'invalid_timestamp' };
  const timestampSeconds = Number(timestamp);
  // The window applies both ways: a far-future timestamp would otherwise stay replayable for long.
  if (nowSeconds - timestampSeconds > toleranceSeconds) return { ok: false, reason: 'timestamp_too_old' };
  if (timestampSeconds - nowSeconds > toleranceSeconds) return { ok: false, reason: 'timestamp_too_new' };

  const key = await hmacKey(secret);
  const bodyBytes = typeof body === 'string' ? encoder.encode(body) : body;
  const prefix = encoder.encode(`${msgId}.${timestampSeconds}.`);
  const signed = new Uint8Array(prefix.length + bodyBytes.length);
  signed.set(prefix);
  signed.set(bodyBytes, prefix.length);
  const expected = `v1,${toBase64(new Uint8Array(await crypto.subtle.sign('HMAC', key, signed)))}`;

  // Constant-time per candidate (spec, "Verifying signatures"): an early-exit compare would
  // leak how many leading characters matched and turn the receiver into a signing oracle.
  let matched = false;
  for (const candidate of signatures.split(' ')) {
    if (candidate.startsWith('v1,') && timingSafeEqual(candidate, expected)) matched = true;
  }
  return matched ? { ok: true, msgId, timestampSeconds } : { ok: false, reason: 'no_matching_signature' };
}

// Importing a key costs more than the HMAC itself and this runs once per delivery attempt,
// so keep the last few hundred endpoints' keys. The promise is cached so concurrent first uses share it.
const KEY_CACHE_MAX = 256;
const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  const cached = keyCache.get(secret);
  if (cached) {
    // Re-insert to mark it recently used: Map iterates in insertion order, so the first key is the LRU.
    keyCache.delete(secret);
    keyCache.set(secret, cached);
    return cached;
  }
  const key = crypto.subtle.importKey('raw', decodeSecret(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  keyCache.set(secret, key);
  key.catch(() => keyCache.delete(secret));
  if (keyCache.size > KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value as string);
  return key;
}

/** The HMAC key: the base64 part of the secret. The prefix is optional, as in the reference libraries. */
function decodeSecret(secret: string): Uint8Array<ArrayBuffer> {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  let binary: string;
  try {
    binary = atob(encoded);
  } catch {
    throw new TypeError('webhook secret is not base64');
  }
  if (binary.length === 0) throw new TypeError('webhook secret is empty');
  return binaryToBytes(binary);
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(' ') : value;
  }
  return undefined;
}

/** Test hook: the number of cached keys (the bound is what matters). */
export function cachedKeyCount(): number {
  return keyCache.size;
}
