import { describe, expect, it } from 'vitest';
import { bucketOf, LATENCY_BOUNDS_MS, LatencyHistogram } from './histogram.ts';
import { TopK } from './top-k.ts';

describe('LatencyHistogram', () => {
  it('puts a latency in the first bucket whose bound it does not exceed', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(0.05)).toBe(0);
    expect(bucketOf(0.051)).toBe(1);
    expect(bucketOf(1)).toBe(LATENCY_BOUNDS_MS.indexOf(1));
    expect(bucketOf(1e9)).toBe(LATENCY_BOUNDS_MS.length);
  });

  it('estimates percentiles inside the bucket of the rank', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 90; i++) h.record(0.3); // (0.25, 0.5]
    for (let i = 0; i < 9; i++) h.record(40); // (25, 50]
    h.record(4000); // (2500, 5000]
    expect(h.quantile(0.5)).toBeGreaterThan(0.25);
    expect(h.quantile(0.5)).toBeLessThanOrEqual(0.5);
    expect(h.quantile(0.95)).toBeGreaterThan(25);
    expect(h.quantile(0.95)).toBeLessThanOrEqual(50);
    expect(h.quantile(1)).toBeGreaterThan(2500);
    expect(h.total).toBe(100);
  });

  it('has no percentile without samples, and reports the last bound for overflow', () => {
    const h = new LatencyHistogram();
    expect(h.quantile(0.5)).toBeNull();
    h.record(60_000);
    expect(h.quantile(0.99)).toBe(LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]);
  });

  it('merges by adding counts', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    a.record(1);
    b.record(1);
    b.record(100);
    a.merge(b);
    expect(a.total).toBe(3);
    expect(a.sum).toBe(102);
  });
});

describe('TopK (space-saving)', () => {
  it('never holds more than its capacity, however many ids it sees', () => {
    const t = new TopK(8);
    for (let i = 0; i < 100_000; i++) t.offer(`key_${i}`, null);
    expect(t.size).toBe(8);
  });

  it('keeps a heavy hitter among a flood of one-off ids, with a count no lower than the truth', () => {
    const t = new TopK(16);
    for (let i = 0; i < 20_000; i++) {
      t.offer(`noise_${i}`, 'org_b');
      if (i % 4 === 0) t.offer('key_storm', 'org_a');
    }
    const [top] = t.top(1);
    expect(top).toMatchObject({ id: 'key_storm', org: 'org_a' });
    expect(top!.count).toBeGreaterThanOrEqual(5000);
    expect(top!.count - top!.error).toBeLessThanOrEqual(5000);
  });

  it('filters by org', () => {
    const t = new TopK(4);
    t.offer('a', 'org_1', 5);
    t.offer('b', 'org_2', 9);
    expect(t.top(10, 'org_1').map((e) => e.id)).toEqual(['a']);
    expect(t.top(10).map((e) => e.id)).toEqual(['b', 'a']);
  });
});
