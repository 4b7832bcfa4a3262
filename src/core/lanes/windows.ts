/**
 * Sliding windows over lane traffic in two rings of buckets: 10-second buckets for the last
 * five minutes, and one-minute buckets for the hour before. A request touches only the current
 * 10-second bucket; a bucket leaving the fine ring is rolled into the coarse one, so the hour
 * costs 90 buckets of memory, not 360, and the hot path never merges anything.
 */
import type { Lane } from '../model.ts';
import { Bucket, LaneCounts, TALKERS, Talkers, type TrafficSample } from './bucket.ts';
import { TopK } from './top-k.ts';

/** Width and count of the fine buckets (the last five minutes), then of the coarse ones (the hour). */
export const FINE_MS = 10_000;
export const FINE_SLOTS = 30;
export const COARSE_MS = 60_000;
export const COARSE_SLOTS = 60;

/** Merged traffic of one lane over a window. */
export interface LaneWindow {
  counts: LaneCounts;
  talkers: Talkers;
}

/** The two rings; `record` is the hot path, `query` merges on demand. */
export class LaneWindows {
  private readonly fine = Array.from({ length: FINE_SLOTS }, () => new Bucket());
  private readonly coarse = Array.from({ length: COARSE_SLOTS }, () => new Bucket());
  /** Start of the oldest traffic kept, so a young process reports rates over what it saw. */
  private startedAt: number | null = null;

  record(s: TrafficSample, now: number): void {
    this.startedAt ??= now;
    const index = Math.floor(now / FINE_MS);
    const slot = this.fine[index % FINE_SLOTS]!;
    if (slot.index !== index) {
      this.roll(slot);
      slot.reset(index);
    }
    slot.record(s);
  }

  /** Moves a fine bucket's traffic into its minute of the coarse ring. */
  private roll(b: Bucket): void {
    if (b.index < 0 || b.empty) return;
    const index = Math.floor((b.index * FINE_MS) / COARSE_MS);
    const slot = this.coarse[index % COARSE_SLOTS]!;
    if (slot.index > index) return; // older than the hour the ring holds
    if (slot.index !== index) slot.reset(index);
    slot.merge(b);
  }

  /** Rolls every fine bucket that has aged out of the fine ring (traffic may have stopped). */
  private advance(now: number): void {
    const current = Math.floor(now / FINE_MS);
    for (const b of this.fine) {
      if (b.index >= 0 && b.index <= current - FINE_SLOTS) {
        this.roll(b);
        b.reset(-1);
      }
    }
  }

  /** The buckets whose start is within `windowMs` of `now`, and the span they cover in ms. */
  private buckets(windowMs: number, now: number): { buckets: Bucket[]; spanMs: number } {
    this.advance(now);
    const from = now - windowMs;
    const out: Bucket[] = [];
    let oldest = now;
    const take = (b: Bucket, width: number) => {
      const start = b.index * width;
      if (b.index < 0 || start < from || start > now) return;
      out.push(b);
      oldest = Math.min(oldest, start);
    };
    for (const b of this.fine) take(b, FINE_MS);
    if (windowMs > FINE_MS * FINE_SLOTS) for (const b of this.coarse) take(b, COARSE_MS);
    const seen = this.startedAt === null ? 0 : now - this.startedAt;
    // At least one second, so a rate over a fresh window is never a division by zero.
    const spanMs = Math.max(1000, Math.min(windowMs, Math.max(now - oldest, seen)));
    return { buckets: out, spanMs };
  }

  /** Each lane's merged traffic over the window, of one org when given. */
  query(windowMs: number, now: number, org?: string): { lanes: Record<Lane, LaneWindow>; spanMs: number } {
    const { buckets, spanMs } = this.buckets(windowMs, now);
    const lane = (l: Lane): LaneWindow => {
      const counts = new LaneCounts();
      // A merged summary four times larger than a bucket's: fewer heavy hitters lost in the merge.
      const wide = () => new TopK(4 * TALKERS);
      const talkers = new Talkers(wide(), wide(), wide(), wide());
      for (const b of buckets) {
        b.addLane(counts, l, org);
        const t = b.talkersOf(l);
        if (t) talkers.merge(t, org);
      }
      return { counts, talkers };
    };
    return { lanes: { inbound: lane('inbound'), outbound: lane('outbound'), control: lane('control') }, spanMs };
  }
}
