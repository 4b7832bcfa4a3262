/**
 * Latency as a fixed-bucket histogram: constant memory whatever the traffic, mergeable across
 * time buckets, and the same bounds Prometheus scrapes (in seconds there). Percentiles are
 * estimated by linear interpolation inside the bucket, so they are as precise as the bounds.
 */

/** Upper bounds in milliseconds, roughly ×2.5 apart: a 429 answers in tens of µs, a send in ms. */
export const LATENCY_BOUNDS_MS: readonly number[] = Object.freeze([
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000,
]);

/** The bucket a latency falls in: the first bound it does not exceed, or the overflow slot. */
export function bucketOf(ms: number, bounds: readonly number[] = LATENCY_BOUNDS_MS): number {
  // Binary search: 18 bounds take at most 5 comparisons on the request path.
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ms <= bounds[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Counts per bucket (the last slot is above every bound), with the sum for a mean. */
export class LatencyHistogram {
  readonly counts: Uint32Array;
  sum = 0;
  total = 0;

  constructor(readonly bounds: readonly number[] = LATENCY_BOUNDS_MS) {
    this.counts = new Uint32Array(bounds.length + 1);
  }

  record(ms: number): void {
    this.counts[bucketOf(ms, this.bounds)]!++;
    this.sum += ms;
    this.total++;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.sum += other.sum;
    this.total += other.total;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.total = 0;
  }

  /**
   * The q-quantile (0 < q ≤ 1) in ms, or null without samples. Inside a bucket samples are
   * assumed evenly spread; above the last bound the answer is that bound (a floor, not a guess).
   */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const n = this.counts[i]!;
      if (seen + n >= rank) {
        if (i >= this.bounds.length) return this.bounds[this.bounds.length - 1]!;
        const lower = i === 0 ? 0 : this.bounds[i - 1]!;
        const upper = this.bounds[i]!;
        return lower + ((upper - lower) * (rank - seen)) / n;
      }
      seen += n;
    }
    return this.bounds[this.bounds.length - 1]!;
  }
}
