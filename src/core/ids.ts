/**
 * Prefixed ids sortable by creation time (`msg_01J…`): 10 Crockford base32 characters of
 * milliseconds, then 16 of randomness, as ULID does. Cursor paging relies on this order.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export type IdPrefix = 'org' | 'key' | 'inb' | 'msg' | 'thr' | 'whk' | 'evt' | 'att' | 'job' | 'dom' | 'qrn' | 'del' | 'sup' | 'lst';

let lastMs = -1;
let lastRandom = new Uint8Array(16);

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/** A new id; ids made in the same millisecond by this process stay in creation order. */
export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  if (nowMs === lastMs) {
    // Monotonic within one millisecond: increment the random part (ULID §monotonicity).
    for (let i = 15; i >= 0; i--) {
      if (lastRandom[i]! < 31) {
        lastRandom[i]!++;
        break;
      }
      lastRandom[i] = 0;
    }
  } else {
    lastMs = nowMs;
    lastRandom = crypto.getRandomValues(new Uint8Array(16)).map((b) => b % 32);
    lastRandom[0]! &= 0x0f; // leave head-room so increments never overflow
  }
  let rand = '';
  for (const v of lastRandom) rand += ALPHABET[v];
  return `${prefix}_${encodeTime(nowMs)}${rand}`;
}

const ID_RE = /^[a-z]{3}_[0-9A-HJKMNP-TV-Z]{26}$/;

/** True for a syntactically valid id with the given prefix; used to answer 404 before any query. */
export function isId(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(prefix + '_') && ID_RE.test(value);
}
