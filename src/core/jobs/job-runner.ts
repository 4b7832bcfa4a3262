import { topics } from '../context.ts';
import { STORE_RETRY_AFTER_SECONDS, StoreUnavailableError } from '../errors.ts';
import type { Job, Lane } from '../model.ts';
import type { Clock, Logger, Notifier, Queue } from '../ports.ts';

// Node's setImmediate; workerd has timers only (and drives runners through runOnce, not this loop).
const nextTurn = (): Promise<void> => new Promise((r) => ((globalThis as { setImmediate?: (fn: () => void) => void }).setImmediate ?? ((fn) => setTimeout(fn, 0)))(r));

export type JobResult =
  | { kind: 'done' }
  | { kind: 'retry'; runAt: number; error: string }
  | { kind: 'failed'; error: string }
  /** Not now, and not a failure (pacing): run again at `runAt` without counting an attempt. */
  | { kind: 'defer'; runAt: number; reason: string };

/** Fields a handler adds to the attempt's log line: its ids and decision (DESIGN §6). */
export type JobLog = { log?: Record<string, unknown> };

export interface JobRunnerOptions {
  queue: Queue;
  queueName: string;
  /** Unique per process: leases are held in its name. */
  owner: string;
  handler: (job: Job) => Promise<JobResult & JobLog>;
  /** The lane every line of this runner carries (`outbound` for mail delivery). */
  lane?: Lane;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  concurrency?: number;
  leaseMs?: number;
  /** Poll even without a wake-up, for jobs due later and jobs of dead workers. */
  pollMs?: number;
  /** Told when a job is given back to run at a later time (retry, deferral, fault): an event-driven runtime schedules its wake-up. */
  onLater?: (runAt: number) => void;
}

/** A handler's fault other than the store's: the job is tried again after this long. */
const FAULT_RETRY_MS = 60_000;

/**
 * Claims due jobs by lease and runs them with bounded concurrency. While a job runs its lease
 * is renewed every third of its length, so a slow attempt (a relay that takes minutes over
 * DATA) is never claimed and run twice. A handler that throws is a fault: the job is retried
 * after a minute, or after a few seconds when the store was out of reach. Stop() waits for
 * running jobs, then gives back every lease so another process can take them at once.
 */
export class JobRunner {
  private running = new Set<Promise<void>>();
  private stopped = false;
  private loopDone: Promise<void> | null = null;
  private wake = new AbortController();
  /** Run times deferrals asked for, ascending: the loop looks again then, not a poll later. */
  private dueTimes: number[] = [];

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

  /**
   * Claims due jobs once and runs them all to the end, for runtimes driven by events (a queue
   * consumer, a cron trigger) rather than by the long-running loop. Resolves how many it claimed.
   */
  async runOnce(limit: number): Promise<number> {
    const jobs = await this.o.queue.claim(this.o.queueName, this.o.owner, this.o.leaseMs ?? 60_000, limit, this.o.clock());
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) await this.run(jobs[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency ?? 8, jobs.length) }, worker));
    return jobs.length;
  }

  private async loop(): Promise<void> {
    const concurrency = this.o.concurrency ?? 8;
    const leaseMs = this.o.leaseMs ?? 60_000;
    const pollMs = this.o.pollMs ?? 1_000;
    while (!this.stopped) {
      const free = concurrency - this.running.size;
      // Listen before claiming: a job committed (or a running one finishing) while the claim
      // runs publishes before a wait started afterwards, and would sit until the next poll.
      this.wake = new AbortController();
      const now = this.o.clock();
      while (this.dueTimes.length > 0 && this.dueTimes[0]! <= now) this.dueTimes.shift();
      const untilDue = (this.dueTimes[0] ?? Infinity) - now;
      const woken = free > 0 ? this.o.notifier.wait(topics.queue(this.o.queueName), Math.max(1, Math.min(pollMs, untilDue)), this.wake.signal) : null;
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
      if (free <= 0) {
        await Promise.race(this.running);
        continue;
      }
      if (claimed.length === free) {
        this.wake.abort(); // more may be waiting: claim again at once
        continue;
      }
      await woken;
      // A wake-up is published by a request the moment its write commits, before its answer is
      // written; claiming in the same turn would run the claim's commit (a synchronous fsync on
      // SQLite) ahead of that answer. One turn later the answer is already on the wire.
      await nextTurn();
    }
    this.wake.abort();
  }

  private noteDue(at: number): void {
    // Bounded: past 1,000 distinct times the poll interval is the fallback.
    if (this.dueTimes.length >= 1000 || this.dueTimes.includes(at)) return;
    const i = this.dueTimes.findIndex((t) => t > at);
    this.dueTimes.splice(i < 0 ? this.dueTimes.length : i, 0, at);
  }

  private track(p: Promise<void>): void {
    this.running.add(p);
    void p.finally(() => {
      this.running.delete(p);
      // A finished job frees a slot: look for more at once.
      this.wake.abort();
    });
  }

  /** Renews `job`'s lease every third of its length until the returned stop is called. */
  private keepLeased(job: Job): () => void {
    const leaseMs = this.o.leaseMs ?? 60_000;
    let warned = false;
    let ended = false;
    const timer = setInterval(() => {
      this.o.queue.renew(job.id, this.o.owner, this.o.clock() + leaseMs).then((held) => {
        if (held || warned || ended) return;
        // Another worker may run it too (the store was out of reach past the lease): said once.
        warned = true;
        this.o.logger.warn({ lane: this.o.lane, job: job.id, queue: job.queue }, 'job lease lost while running');
      }, (err: unknown) => this.o.logger.warn({ err, lane: this.o.lane, job: job.id, queue: job.queue }, 'job lease renewal failed'));
    }, Math.max(100, Math.floor(leaseMs / 3)));
    return () => {
      ended = true;
      clearInterval(timer);
    };
  }

  private async run(job: Job): Promise<void> {
    const started = Date.now();
    const stopRenewing = this.keepLeased(job);
    try {
      // Renewal ends with the attempt, before its outcome is written: a renewal after that would fail.
      const result = await this.o.handler(job).finally(stopRenewing);
      if (result.kind === 'done') await this.o.queue.complete(job.id, this.o.owner);
      else if (result.kind === 'retry') {
        await this.o.queue.retry(job.id, this.o.owner, result.runAt, result.error);
        this.o.onLater?.(result.runAt);
      } else if (result.kind === 'defer') {
        this.noteDue(result.runAt);
        await (this.o.queue.defer ? this.o.queue.defer(job.id, this.o.owner, result.runAt) : this.o.queue.retry(job.id, this.o.owner, result.runAt, result.reason));
        this.o.onLater?.(result.runAt);
        // Pacing defers often by design: not worth an info line each.
        this.o.logger.debug({ lane: this.o.lane, job: job.id, queue: job.queue, result: 'defer', reason: result.reason, run_at: result.runAt }, 'job');
        return;
      } else await this.o.queue.fail(job.id, this.o.owner, result.error);
      this.o.logger.info({ lane: this.o.lane, job: job.id, queue: job.queue, attempt: job.attempts + 1, result: result.kind, ms: Date.now() - started, ...result.log }, 'job');
    } catch (err) {
      const storeDown = err instanceof StoreUnavailableError;
      this.o.logger[storeDown ? 'warn' : 'error']({ err, lane: this.o.lane, job: job.id, queue: job.queue }, storeDown ? 'job stopped: store unavailable' : 'job handler fault');
      const runAt = this.o.clock() + (storeDown ? STORE_RETRY_AFTER_SECONDS * 1000 : FAULT_RETRY_MS);
      // With the store still down this fails too, and the lease running out gives the job back.
      await this.o.queue.retry(job.id, this.o.owner, runAt, err instanceof Error ? err.message : String(err)).catch(() => {});
      this.o.onLater?.(runAt);
    }
  }
}
