/**
 * Request fingerprints for loop detection: key, method, path and a canonical hash of the body,
 * so a retried request matches its earlier copies even when a client re-serialises its JSON in
 * another key order or stamps each attempt with a fresh id or time.
 */

/**
 * Body fields ignored at any depth, because a looping client changes them on every attempt.
 * Matched by name ignoring case, `_` and `-`: `request_id`, `requestId` and `Request-Id` are one.
 */
export const VOLATILE_FIELDS: ReadonlySet<string> = new Set(['idempotencykey', 'requestid', 'timestamp', 'nonce', 'createdat']);

/** What identifies a request for loop detection. `path` as routed (with the query if it matters); `body` parsed JSON, or undefined. */
export interface FingerprintParts {
  keyId: string;
  method: string;
  path: string;
  body: unknown;
}

/**
 * `<keyId>:<16 hex digits>`, a 64-bit hash of method, path and canonical body. The hash is
 * cyrb53's mixing kept at 64 bits: fast and not cryptographic, which is enough because it only
 * has to make accidental collisions rare (under one in a billion among 100,000 live
 * fingerprints). Forging one gains nothing: the key id is a plain prefix, not hashed, so two keys
 * never share a fingerprint and a collision can only trip the forger's own key.
 */
export function fingerprint(parts: FingerprintParts): string {
  const h = new Hash();
  h.str(parts.method.toUpperCase());
  h.str(parts.path);
  hashValue(h, parts.body);
  return `${parts.keyId}:${h.hex()}`;
}

/**
 * Feeds a JSON value to the hash with each string length-prefixed, so no two values share an
 * encoding and nothing needs escaping. Iterative with an explicit stack: a 64 KiB body can nest
 * thousands of levels deep, which would overflow the call stack of a recursive walk.
 */
function hashValue(h: Hash, root: unknown): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value instanceof Token) h.raw(value.text);
    else if (typeof value === 'string') h.str(value);
    else if (typeof value === 'number') h.raw(`#${value}`);
    else if (value === null || value === undefined || typeof value !== 'object') h.raw(`~${String(value)}`);
    else if (Array.isArray(value)) {
      h.raw(`[${value.length}`);
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]);
    } else {
      // Sorted keys: the same object in any key order hashes the same. Undefined values are
      // dropped as JSON.stringify drops them.
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined && !VOLATILE_FIELDS.has(k.toLowerCase().replace(/[-_]/g, ''))).sort();
      h.raw(`{${keys.length}`);
      for (const key of keys.reverse()) stack.push(obj[key], new Token(`.${key.length}:${key}`));
    }
  }
}

/** Structure emitted between values (object keys); distinct from string values on the stack. */
class Token {
  constructor(readonly text: string) {}
}

/** cyrb53 (public domain, bryc) over UTF-16 code units, keeping both 32-bit lanes for 64 bits. */
class Hash {
  #h1 = 0xdeadbeef;
  #h2 = 0x41c6ce57;

  /** A string with its length first, so `"ab","c"` and `"a","bc"` differ. */
  str(s: string): void {
    this.raw(`$${s.length}:`);
    this.raw(s);
  }

  raw(s: string): void {
    let h1 = this.#h1;
    let h2 = this.#h2;
    for (let i = 0; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    this.#h1 = h1;
    this.#h2 = h2;
  }

  hex(): string {
    let h1 = this.#h1;
    let h2 = this.#h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
  }
}
