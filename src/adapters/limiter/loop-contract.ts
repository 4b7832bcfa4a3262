/**
 * The loop-detection contract: every LoopDetector and LoopStrikes adapter runs this suite under
 * the DESIGN §5 defaults. Time comes from the injected clock; nothing sleeps; fresh names per test.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LoopDetector, LoopStrikes } from '../../core/loops/loop-detector.ts';

/** What `make` returns: both ports, reading time from the same clock. */
export interface LoopPorts {
  detector: LoopDetector;
  strikes: LoopStrikes;
}

/** Registers the contract tests for one adapter. */
export function loopContract(name: string, make: (now: () => number) => LoopPorts | Promise<LoopPorts>): void {
  describe(`Loop detection contract: ${name}`, () => {
    let t = 1_700_000_000_000;
    let ports: LoopPorts;
    const run = crypto.randomUUID().slice(0, 8);
    let seq = 0;
    const fresh = () => `contract:${run}:${++seq}`;

    beforeAll(async () => {
      ports = await make(() => t);
    });

    async function hits(fp: string, n: number, stepMs = 0) {
      const out = [];
      for (let i = 0; i < n; i++) {
        if (i > 0) t += stepMs;
        out.push(await ports.detector.hit(fp));
      }
      return out;
    }

    async function strikes(key: string, n: number, stepMs = 0) {
      const out = [];
      for (let i = 0; i < n; i++) {
        if (i > 0) t += stepMs;
        out.push((await ports.strikes.strike(key)).quarantineMs);
      }
      return out;
    }

    it('flags the fourth identical request within 10 s, and every one after it', async () => {
      const out = await hits(fresh(), 6, 1000);
      expect(out.map((h) => h.loop)).toEqual([false, false, false, true, true, true]);
      expect(out.map((h) => h.count)).toEqual([1, 2, 3, 4, 4, 4]);
    });

    it('counts over a sliding window, not a fixed one', async () => {
      const fp = fresh();
      await hits(fp, 3, 4000); // at 0, 4 s, 8 s
      t += 2000; // 10 s: the first sighting has just left the window
      expect(await ports.detector.hit(fp)).toEqual({ loop: false, count: 3 });
      t += 1; // 4 s, 8 s, 10 s and now all within 10 s
      expect(await ports.detector.hit(fp)).toEqual({ loop: true, count: 4 });
    });

    it('forgets a loop once the requests stop for the window', async () => {
      const fp = fresh();
      await hits(fp, 5);
      t += 10_000;
      expect(await ports.detector.hit(fp)).toEqual({ loop: false, count: 1 });
    });

    it('keeps fingerprints independent', async () => {
      const [a, b] = [fresh(), fresh()];
      await hits(a, 4);
      expect(await ports.detector.hit(b)).toEqual({ loop: false, count: 1 });
    });

    it('quarantines for 60 s on the fifth loop detection within a minute', async () => {
      expect(await strikes(fresh(), 5, 14_000)).toEqual([null, null, null, null, 60_000]);
    });

    it('does not quarantine detections spread over more than a minute', async () => {
      expect(await strikes(fresh(), 10, 15_000)).toEqual(Array(10).fill(null));
    });

    it('doubles each repeat quarantine up to an hour, and starts afresh after each', async () => {
      const key = fresh();
      const quarantines = [];
      for (let i = 0; i < 8; i++) {
        const run = await strikes(key, 5);
        expect(run.slice(0, 4)).toEqual([null, null, null, null]);
        quarantines.push(run[4]);
        t += run[4] ?? 0;
      }
      expect(quarantines).toEqual([60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000]);
    });

    it('forgets past quarantines after a quiet day', async () => {
      const key = fresh();
      expect((await strikes(key, 5))[4]).toBe(60_000);
      t += 60_000 + 3_600_000;
      expect((await strikes(key, 5))[4]).toBe(120_000);
      t += 120_000 + 86_400_000;
      expect((await strikes(key, 5))[4]).toBe(60_000);
    });

    it('keeps keys independent', async () => {
      const [a, b] = [fresh(), fresh()];
      await strikes(a, 4);
      expect(await ports.strikes.strike(b)).toEqual({ quarantineMs: null, strikes: 1 });
      expect(await ports.strikes.strike(a)).toEqual({ quarantineMs: 60_000, strikes: 5 });
    });
  });
}
