import { describe, expect, it } from 'vitest';
import { MemoryNotifier } from '../../adapters/notifier/memory/memory-notifier.ts';
import { makeJob } from '../../adapters/store/store-contract-fixtures.ts';
import { SqliteStore } from '../../adapters/store/sqlite/sqlite-store.ts';
import { StoreUnavailableError } from '../errors.ts';
import { silentLogger } from '../../../test/helpers/app.ts';
import { topics } from '../context.ts';
import type { Job } from '../model.ts';
import type { Queue } from '../ports.ts';
import { JobRunner } from './job-runner.ts';

const job: Job = { id: 'job_1', queue: 'q', payload: {}, attempts: 0, runAt: 0, leaseOwner: null, leaseUntil: null, lastError: null };

describe('JobRunner', () => {
  it('does not miss a job committed while a claim is running (no wait for the next poll)', async () => {
    const notifier = new MemoryNotifier();
    let claims = 0;
    const queue = {
      async claim() {
        claims++;
        // The enqueue commits and publishes while this (empty) claim is still in progress.
        if (claims === 1) {
          notifier.publish(topics.queue('q'));
          return [];
        }
        return claims === 2 ? [job] : [];
      },
      async complete() {}, async retry() {}, async fail() {}, async releaseAll() { return 0; },
    } as unknown as Queue;
    let ran: number | null = null;
    const started = Date.now();
    const runner = new JobRunner({
      queue, queueName: 'q', owner: 'test', notifier, clock: Date.now, logger: silentLogger, pollMs: 10_000,
      handler: async () => {
        ran = Date.now() - started;
        return { kind: 'done' };
      },
    });
    runner.start();
    for (let i = 0; i < 100 && ran === null; i++) await new Promise((r) => setTimeout(r, 10));
    await runner.stop();
    expect(ran).not.toBeNull();
    expect(ran!).toBeLessThan(1000);
  });

  it('runOnce claims once, runs every claimed job to its outcome, and reports each later run time', async () => {
    const jobs = ['a', 'b', 'c', 'd'].map((id) => ({ ...job, id }));
    const calls: string[] = [];
    const claimed: number[] = [];
    const queue = {
      async claim(_q: string, _o: string, _l: number, limit: number) {
        claimed.push(limit);
        return jobs.slice(0, limit);
      },
      async complete(id: string) { calls.push(`complete ${id}`); },
      async retry(id: string, _o: string, runAt: number) { calls.push(`retry ${id} ${runAt}`); },
      async defer(id: string, _o: string, runAt: number) { calls.push(`defer ${id} ${runAt}`); },
      async fail(id: string) { calls.push(`fail ${id}`); },
      async releaseAll() { return 0; },
    } as unknown as Queue;
    const later: number[] = [];
    const runner = new JobRunner({
      queue, queueName: 'q', owner: 'test', notifier: new MemoryNotifier(), clock: () => 1000, logger: silentLogger, concurrency: 2,
      onLater: (at) => later.push(at),
      handler: async (j) => {
        if (j.id === 'a') return { kind: 'done' };
        if (j.id === 'b') return { kind: 'retry', runAt: 5000, error: 'busy' };
        if (j.id === 'c') return { kind: 'defer', runAt: 3000, reason: 'paced' };
        throw new Error('fault');
      },
    });
    expect(await runner.runOnce(10)).toBe(4);
    expect(claimed).toEqual([10]);
    expect(calls.sort()).toEqual(['complete a', 'defer c 3000', 'retry b 5000', 'retry d 61000']);
    expect(later.sort()).toEqual([3000, 5000, 61000]);
  });

  it('after a store fault, tries the job again in seconds, not a minute', async () => {
    const calls: string[] = [];
    const queue = {
      async claim() { return [job]; },
      async retry(id: string, _o: string, runAt: number) { calls.push(`retry ${id} ${runAt}`); },
      async renew() { return true; },
    } as unknown as Queue;
    const runner = new JobRunner({
      queue, queueName: 'q', owner: 'test', notifier: new MemoryNotifier(), clock: () => 1000, logger: silentLogger,
      handler: async () => { throw new StoreUnavailableError(new Error('SQLITE_FULL')); },
    });
    await runner.runOnce(1);
    expect(calls).toEqual(['retry job_1 6000']);
  });

  it('keeps the lease of a job that runs longer than it, so a second worker never runs it beside the first', async () => {
    const store = new SqliteStore({ filename: ':memory:' });
    await store.migrate();
    const notifier = new MemoryNotifier();
    const queueName = 'slow';
    await store.enqueue(makeJob(queueName, Date.now()));
    const runs: string[] = [];
    let inFlight = 0;
    let overlapped = false;
    const runner = (owner: string) => new JobRunner({
      queue: store, queueName, owner, notifier, clock: Date.now, logger: silentLogger, leaseMs: 300, pollMs: 50,
      // One attempt lasts more than four leases (a relay slow over DATA).
      handler: async () => {
        runs.push(owner);
        if (++inFlight > 1) overlapped = true;
        await new Promise((r) => setTimeout(r, 1300));
        inFlight--;
        return { kind: 'done' };
      },
    });
    const first = runner('first');
    first.start();
    while (runs.length === 0) await new Promise((r) => setTimeout(r, 10));
    const second = runner('second');
    second.start();
    await new Promise((r) => setTimeout(r, 1600));
    await Promise.all([first.stop(), second.stop()]);
    await store.close();
    expect(overlapped).toBe(false);
    expect(runs).toEqual(['first']);
  });
});
