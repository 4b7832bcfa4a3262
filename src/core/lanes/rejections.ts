import type { Lane } from '../model.ts';
import type { Logger } from '../ports.ts';

/**
 * Counts every rejection per lane and reason, and per key, in memory: a storm costs no store
 * write and no log line per request. `flush()` writes one summary line per key and reason that
 * was rejected since the last flush, and resets the per-key counts.
 */
export class RejectionCounter {
  // Nested maps, not `lane:reason` strings: every refusal of a storm records here, and a key
  // string built per call costs its concatenation and its hash (~0.2 µs) each time.
  /** Totals since start, by lane and reason (`total()`). */
  private readonly totals = new Map<Lane, Map<string, number>>();
  /** Since the last flush, by key (or 'anonymous'), lane and reason. */
  private window = new Map<string, Map<Lane, Map<string, WindowEntry>>>();
  private windowSize = 0;
  private static readonly MAX_WINDOW_KEYS = 10_000;

  record(lane: Lane, reason: string, key: string | null, org: string | null): void {
    let byReason = this.totals.get(lane);
    if (!byReason) this.totals.set(lane, (byReason = new Map()));
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    const who = key ?? 'anonymous';
    let byLane = this.window.get(who);
    let w = byLane?.get(lane)?.get(reason);
    if (w) {
      w.count++;
      return;
    }
    // Bounded: past the cap, new keys only count in the totals until the next flush.
    if (this.windowSize >= RejectionCounter.MAX_WINDOW_KEYS) return;
    if (!byLane) this.window.set(who, (byLane = new Map()));
    let entries = byLane.get(lane);
    if (!entries) byLane.set(lane, (entries = new Map()));
    w = { lane, reason, key: who, org, count: 1 };
    entries.set(reason, w);
    this.windowSize++;
  }

  total(lane: Lane, reason: string): number {
    return this.totals.get(lane)?.get(reason) ?? 0;
  }

  flush(logger: Logger, periodMs: number): void {
    if (this.windowSize === 0) return;
    for (const byLane of this.window.values()) {
      for (const entries of byLane.values()) {
        for (const w of entries.values()) {
          logger.info({ lane: w.lane, key: w.key, org: w.org, decision: 'rejected', reason: w.reason, count: w.count, period_ms: periodMs }, 'rejections');
        }
      }
    }
    this.window = new Map();
    this.windowSize = 0;
  }
}

interface WindowEntry {
  lane: Lane;
  reason: string;
  key: string;
  org: string | null;
  count: number;
}
