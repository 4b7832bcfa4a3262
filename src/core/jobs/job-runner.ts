import { topics } from '../context.ts';
import type { Job } from '../model.ts';
import type { Clock, Logger, Notifier, Queue } from '../ports.ts';

export type JobResult =
  | { kind: 'done' }
  | { kind: 'retry'; runAt: number; error: string }
  | { kind: 'failed'; error: string };

export interface JobRunnerOptions {
  queue: Queue;
  queueName: string;
  /** Unique per process: leases are held in its name. */
  owner: string;
  handler: (job: Job) => Promise<JobResult>;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  concurrency?: number;
  leaseMs?: number;
  /** Poll even without a wake-up, for jobs due later and jobs of dead workers. */
  pollMs?: number;
}

/**
 * Claims due jobs by lease and runs them with bounded concurrency. A handler that throws
 * is a fault: the job is retried after a minute. Stop() waits for running jobs, then gives
 * back every lease so another process can take them at once.
 */
export class JobRunner {
  private running = new Set<Promise<void>>();
  private stopped = false;
  private loopDone: Promise<void> | null = null;
  private wake = new AbortController();

  constructor(private readonly o: JobRunnerOptions) {}

  start(): void {
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.abort();
    await this.loopDone;
    await Promise.allSettled([...this.running]);
    await this.o.queue.releaseAll(this.o.owner);
  }

  private async loop(): Promise<void> {
    const concurrency = this.o.concurrency ?? 8;
    const leaseMs = this.o.leaseMs ?? 60_000;
    const pollMs = this.o.pollMs ?? 1_000;
    while (!this.stopped) {
      const free = concurrency - this.running.size;
      let claimed: Job[] = [];
      if (free > 0) {
        try {
          claimed = await this.o.queue.claim(this.o.queueName, this.o.owner, leaseMs, free, this.o.clock());
        } catch (err) {
          this.o.logger.error({ err, queue: this.o.queueName }, 'job claim failed');
        }
      }
      for (const job of claimed) this.track(this.run(job));
      if (this.stopped) break;
      if (claimed.length === free && free > 0) continue; // more may be waiting
      if (free <= 0) {
        await Promise.race(this.running);
        continue;
      }
      this.wake = new AbortController();
      await this.o.notifier.wait(topics.queue(this.o.queueName), pollMs, this.wake.signal);
    }
  }

  private track(p: Promise<void>): void {
    this.running.add(p);
    void p.finally(() => {
      this.running.delete(p);
      // A finished job frees a slot: look for more at once.
      this.wake.abort();
    });
  }

  private async run(job: Job): Promise<void> {
    const started = Date.now();
    try {
      const result = await this.o.handler(job);
      if (result.kind === 'done') await this.o.queue.complete(job.id, this.o.owner);
      else if (result.kind === 'retry') await this.o.queue.retry(job.id, this.o.owner, result.runAt, result.error);
      else await this.o.queue.fail(job.id, this.o.owner, result.error);
      this.o.logger.info({ job: job.id, queue: job.queue, attempt: job.attempts + 1, result: result.kind, ms: Date.now() - started }, 'job');
    } catch (err) {
      this.o.logger.error({ err, job: job.id, queue: job.queue }, 'job handler fault');
      await this.o.queue.retry(job.id, this.o.owner, this.o.clock() + 60_000, err instanceof Error ? err.message : String(err)).catch(() => {});
    }
  }
}
