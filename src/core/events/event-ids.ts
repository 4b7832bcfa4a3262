/**
 * Event ids whose order is the log's commit order. The store draws them inside its write
 * transaction, and readers page by `id > cursor`, so an id must never be smaller than one
 * already committed: a clock that steps back (NTP, a test clock) keeps the last time instead.
 * Same format as ids.ts (ULID-like), with its own state so other ids cannot disturb the order.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Hands out strictly increasing `evt_` ids. One per store: order is per process (SQLite's single writer). */
export class MonotonicEventIds {
  private lastMs = -1;
  private random = new Uint8Array(16);

  next(nowMs: number): string {
    if (nowMs <= this.lastMs) {
      // Same or earlier millisecond: stay on the last one and count up (ULID §monotonicity).
      for (let i = 15; i >= 0; i--) {
        if (this.random[i]! < 31) {
          this.random[i]!++;
          break;
        }
        this.random[i] = 0;
      }
    } else {
      this.lastMs = nowMs;
      this.random = crypto.getRandomValues(new Uint8Array(16)).map((b) => b % 32);
      this.random[0]! &= 0x0f; // head-room: increments within one millisecond never overflow
    }
    let time = '';
    let ms = this.lastMs;
    for (let i = 0; i < 10; i++) {
      time = ALPHABET[ms % 32] + time;
      ms = Math.floor(ms / 32);
    }
    let rand = '';
    for (const v of this.random) rand += ALPHABET[v];
    return `evt_${time}${rand}`;
  }
}
