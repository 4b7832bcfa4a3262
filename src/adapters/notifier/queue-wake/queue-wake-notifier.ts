import type { Notifier } from '../../../core/ports.ts';

/** The body of a wake-up message: which job queue has due work. */
export interface WakeUp {
  queue: string;
}

export interface QueueWakeNotifierOptions {
  /** In-process wake-ups (long-polls and event streams of this isolate). */
  local: Notifier;
  /** Sends one wake-up message (a Cloudflare Queues producer's `send`). */
  send: (body: WakeUp) => Promise<void>;
  /** Keeps the send alive past the response (`waitUntil` of cloudflare:workers). */
  keepAlive: (pending: Promise<unknown>) => void;
  onError: (err: unknown, queue: string) => void;
  /**
   * Longest a waiter sleeps before its caller looks again. Commits of other isolates publish
   * only there, so a long-poll or event stream here would otherwise sleep to its deadline.
   */
  maxWaitMs?: number;
}

const JOB_TOPIC = 'queue:';

/**
 * The Notifier of the edge: local topics stay in the isolate; a job-queue topic (published by
 * core after every commit that adds a due job, see core/context.ts `topics.queue`) also sends a
 * wake-up message to the consumer. The job itself is in the jobs table already (the outbox);
 * the message only says "look now", so a lost one delays a job to the next cron sweep.
 *
 * A burst of commits shares sends: while one send for a queue is in flight, later publishes
 * set one more send to follow it, which still lands after every one of their commits.
 */
export class QueueWakeNotifier implements Notifier {
  private readonly state = new Map<string, 'sending' | 'again'>();

  constructor(private readonly o: QueueWakeNotifierOptions) {}

  publish(topic: string): void {
    this.o.local.publish(topic);
    if (!topic.startsWith(JOB_TOPIC)) return;
    const queue = topic.slice(JOB_TOPIC.length);
    if (this.state.has(queue)) {
      this.state.set(queue, 'again');
      return;
    }
    this.o.keepAlive(this.sendLoop(queue));
  }

  wait(topic: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.o.local.wait(topic, Math.min(timeoutMs, this.o.maxWaitMs ?? timeoutMs), signal);
  }

  private async sendLoop(queue: string): Promise<void> {
    this.state.set(queue, 'sending');
    try {
      for (;;) {
        await this.o.send({ queue }).catch((err: unknown) => this.o.onError(err, queue));
        if (this.state.get(queue) !== 'again') return;
        this.state.set(queue, 'sending');
      }
    } finally {
      this.state.delete(queue);
    }
  }
}
