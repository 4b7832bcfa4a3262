/**
 * How hard the fuzzers try: FUZZ_RUNS scales every property (default 1, a few seconds per file
 * in CI; FUZZ_RUNS=20 for a long local hunt), FUZZ_SEED replays a failing run fast-check printed.
 */
const scale = Number(process.env.FUZZ_RUNS ?? '1');

export function runs(base: number): number {
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

export const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

/** fast-check parameters for one property of `base` runs at scale 1. */
export function params(base: number): { numRuns: number; seed?: number; endOnFailure: boolean } {
  return { numRuns: runs(base), ...(seed !== undefined ? { seed } : {}), endOnFailure: true };
}
