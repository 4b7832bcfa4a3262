import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Tx } from '../sql/event-log.ts';
import { makeKey, makeOrg } from '../store-contract-fixtures.ts';
import { D1Store } from './d1-store.ts';
import { Serial } from './serial.ts';

const STALL_MS = 80;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const never = () => new Promise<never>(() => {});

describe('Serial', () => {
  it('runs tasks one at a time, in call order, past failures', async () => {
    const serial = new Serial({ stallMs: 10_000 });
    const log: string[] = [];
    const task = (name: string, ms: number, fail = false) => serial.run(async () => {
      log.push(`${name}:start`);
      await sleep(ms);
      log.push(`${name}:end`);
      if (fail) throw new Error(name);
      return name;
    });
    const results = await Promise.allSettled([task('a', 20), task('b', 1, true), task('c', 5)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('lets the next task past one that has not settled within the limit, and says so once', async () => {
    const stalls: number[] = [];
    const serial = new Serial({ stallMs: STALL_MS, onStall: (ms) => stalls.push(ms) });
    void serial.run(never);
    const began = Date.now();
    const second = serial.run(async () => Date.now());
    const third = serial.run(async () => Date.now());
    const [b, c] = await Promise.all([second, third]);
    expect(b - began).toBeGreaterThanOrEqual(STALL_MS - 5);
    // The third waited for the second only, not for the stalled first a second time.
    expect(c - b).toBeLessThan(STALL_MS / 2);
    expect(stalls).toEqual([STALL_MS]);
  });

  it('counts the limit from when the previous task started: slow live tasks queued together never overlap', async () => {
    const serial = new Serial({ stallMs: STALL_MS });
    let running = 0;
    let overlapped = false;
    // Each under the limit, together well over it: a limit counted from the call would let the last ones overlap.
    const slow = () => serial.run(async () => {
      overlapped ||= running > 0;
      running++;
      await sleep(STALL_MS * 0.6);
      running--;
    });
    await Promise.all([slow(), slow(), slow(), slow()]);
    expect(overlapped).toBe(false);
  });
});

class HangingD1Store extends D1Store {
  /** A write whose promise never settles: what a Worker request cancelled mid-write leaves behind. */
  hang(): Promise<void> {
    return this.write((_trx: Tx) => never());
  }
}

describe('D1Store writes', () => {
  it('are not blocked for good by a write that never settles', async () => {
    const stalls: number[] = [];
    const store = new HangingD1Store(env.DB, { stallMs: STALL_MS, onStall: (ms) => stalls.push(ms) });
    await store.migrate();
    void store.hang();
    const org = makeOrg();
    await store.createOrg(org, makeKey(org.id));
    expect(await store.getOrg(org.id)).toEqual(org);
    expect(stalls).toEqual([STALL_MS]);
  });
});
