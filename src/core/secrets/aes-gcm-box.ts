/**
 * The SecretBox on Web Crypto: AES-256-GCM, a fresh 96-bit IV per seal (NIST SP 800-38D §8.2.2:
 * random IVs are safe far beyond the number of secrets a deployment stores), the row's context
 * as additional authenticated data. Envelope: `enc:v1:<key id>:<iv>:<ciphertext+tag>`, both in
 * base64url. The key id is derived from the key, so rotating needs no second setting.
 */
import { base64Url, sha256Hex } from '../crypto.ts';
import { binaryToBytes } from '../bytes.ts';
import { ENVELOPE_PREFIX, SecretKeyError, type SecretBox } from './secret-box.ts';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * A 32-byte key from its configured text: 64 hex digits, or base64 / base64url (padding
 * optional). null for anything else, so a config schema can refuse it in one line.
 */
export function parseSecretKey(text: string): Uint8Array<ArrayBuffer> | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Uint8Array.from(t.match(/../g)!, (h) => parseInt(h, 16));
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) return null;
  try {
    const bytes = binaryToBytes(atob(t.replace(/-/g, '+').replace(/_/g, '/').replace(/=$/, '') + '='));
    return bytes.length === KEY_BYTES ? bytes : null;
  } catch {
    return null;
  }
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return binaryToBytes(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)));
}

interface BoxKey {
  id: string;
  key: CryptoKey;
}

async function importKey(raw: Uint8Array<ArrayBuffer>): Promise<BoxKey> {
  if (raw.length !== KEY_BYTES) throw new RangeError(`a secret key is ${KEY_BYTES} bytes, not ${raw.length}`);
  // 32 bits of a domain-separated hash: enough to tell a handful of keys apart, nothing about the key.
  const id = (await sha256Hex(new Uint8Array([...encoder.encode('breakwater-secret-key-id:'), ...raw]))).slice(0, 8);
  const key = await crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  return { id, key };
}

export interface AesGcmSecretBoxOptions {
  /** BREAKWATER_SECRET_KEY: seals, and opens. */
  current: Uint8Array<ArrayBuffer>;
  /** BREAKWATER_SECRET_KEY_PREVIOUS: opens only, during a rotation. */
  previous?: Uint8Array<ArrayBuffer> | null;
}

export class AesGcmSecretBox implements SecretBox {
  private constructor(
    private readonly current: BoxKey,
    private readonly previous: BoxKey | null,
  ) {}

  static async create(o: AesGcmSecretBoxOptions): Promise<AesGcmSecretBox> {
    const current = await importKey(o.current);
    const previous = o.previous ? await importKey(o.previous) : null;
    return new AesGcmSecretBox(current, previous && previous.id !== current.id ? previous : null);
  }

  get keyId(): string {
    return this.current.id;
  }

  async seal(plain: string, context: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(context) }, this.current.key, encoder.encode(plain));
    return `${ENVELOPE_PREFIX}${VERSION}:${this.current.id}:${base64Url(iv)}:${base64Url(new Uint8Array(sealed))}`;
  }

  async open(stored: string, context: string): Promise<string> {
    if (!stored.startsWith(ENVELOPE_PREFIX)) return stored;
    const [, version, keyId, iv, data, ...rest] = stored.split(':');
    if (version !== VERSION || !keyId || !iv || !data || rest.length > 0) {
      throw new SecretKeyError(`the ${context} secret is not a ${VERSION} envelope (version ${version ?? 'missing'})`);
    }
    const key = keyId === this.current.id ? this.current : keyId === this.previous?.id ? this.previous : null;
    if (!key) {
      const known = this.previous ? `${this.current.id} (current) and ${this.previous.id} (previous)` : `${this.current.id} only`;
      throw new SecretKeyError(`the ${context} secret is sealed under key ${keyId}, but the configured keys are ${known}`);
    }
    try {
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64Url(iv), additionalData: encoder.encode(context) }, key.key, fromBase64Url(data));
      return decoder.decode(plain);
    } catch {
      // GCM's tag failed: the bytes were changed, or the envelope was copied from another row.
      throw new SecretKeyError(`the ${context} secret does not open under key ${keyId}: altered, or moved from another row`);
    }
  }

  isCurrent(stored: string): boolean {
    return stored.startsWith(`${ENVELOPE_PREFIX}${VERSION}:${this.current.id}:`);
  }
}
