import type { Lane } from '../model.ts';
import type { Logger } from '../ports.ts';

/**
 * Counts every rejection per lane and reason, and per key, in memory: a storm costs no store
 * write and no log line per request. `flush()` writes one summary line per key and reason that
 * was rejected since the last flush, and resets the per-key counts.
 */
export class RejectionCounter {
  /** Totals since start, by `lane:reason`; read by metrics and telemetry. */
  readonly totals = new Map<string, number>();
  private window = new Map<string, { lane: Lane; reason: string; key: string; org: string | null; count: number }>();
  private static readonly MAX_WINDOW_KEYS = 10_000;

  record(lane: Lane, reason: string, key: string | null, org: string | null): void {
    const total = `${lane}:${reason}`;
    this.totals.set(total, (this.totals.get(total) ?? 0) + 1);
    const id = `${key ?? 'anonymous'}|${lane}|${reason}`;
    const w = this.window.get(id);
    if (w) w.count++;
    // Bounded: past the cap, new keys only count in the totals until the next flush.
    else if (this.window.size < RejectionCounter.MAX_WINDOW_KEYS) this.window.set(id, { lane, reason, key: key ?? 'anonymous', org, count: 1 });
  }

  total(lane: Lane, reason: string): number {
    return this.totals.get(`${lane}:${reason}`) ?? 0;
  }

  flush(logger: Logger, periodMs: number): void {
    if (this.window.size === 0) return;
    for (const w of this.window.values()) {
      logger.info({ lane: w.lane, key: w.key, org: w.org, decision: 'rejected', reason: w.reason, count: w.count, period_ms: periodMs }, 'rejections');
    }
    this.window = new Map();
  }
}
