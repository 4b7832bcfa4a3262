import { describe, expect, it } from 'vitest';
import { MemoryNotifier } from '../../adapters/notifier/memory/memory-notifier.ts';
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
});
