/**
 * Byte helpers without Buffer (core, HTTP and mail code runs on Node and Workers).
 * "Binary strings" hold one byte per UTF-16 unit (0–255), so header text keeps
 * its exact bytes whatever its charset (RFC 6532 allows raw UTF-8 in headers).
 */

/** Base64 (RFC 4648 §4, with padding) of some bytes. */
export function toBase64(bytes: Uint8Array): string {
  return btoa(bytesToBinary(bytes));
}

/** Bytes of a base64 string; whitespace is ignored. Throws on invalid input. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return binaryToBytes(atob(text.replace(/\s+/g, '')));
}

/** One char per byte, in chunks so large inputs do not overflow the call stack. */
export function bytesToBinary(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return out;
}

/** The inverse of {@link bytesToBinary}; chars above 0xFF would be truncated, so callers only pass binary strings. */
export function binaryToBytes(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Concatenates byte arrays into one. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
