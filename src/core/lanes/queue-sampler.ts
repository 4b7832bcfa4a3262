/**
 * Queue depth and oldest job age, read from the Queue port on demand (a scrape, the dashboard
 * stream) rather than on every enqueue. One sample is shared for `maxAgeMs`, so ten open
 * dashboards cost one query, and each read is cut off after `timeoutMs`: a slow store makes the
 * sample stale, never the scrape hang.
 */
import type { Clock, Queue } from '../ports.ts';

/** One queue's backlog at `sampledAt`. */
export interface QueueDepth {
  queue: string;
  pending: number;
  oldestAgeMs: number | null;
  /** False when the last read failed or timed out: the numbers are the previous sample's. */
  fresh: boolean;
  sampledAt: number;
}

export interface QueueSamplerOptions {
  queue: Pick<Queue, 'depth'>;
  queues: string[];
  clock: Clock;
  maxAgeMs?: number;
  timeoutMs?: number;
}

/** Reads every queue's depth at most once per `maxAgeMs`, shared by all callers. */
export class QueueSampler {
  private last: QueueDepth[] = [];
  private inFlight: Promise<QueueDepth[]> | null = null;

  constructor(private readonly o: QueueSamplerOptions) {}

  /** The latest sample, read again when older than `maxAgeMs` (default 1 s). */
  sample(): Promise<QueueDepth[]> {
    const now = this.o.clock();
    const age = this.last.length > 0 ? now - Math.min(...this.last.map((d) => d.sampledAt)) : Infinity;
    if (age <= (this.o.maxAgeMs ?? 1000)) return Promise.resolve(this.last);
    return (this.inFlight ??= this.read(now).finally(() => {
      this.inFlight = null;
    }));
  }

  private async read(now: number): Promise<QueueDepth[]> {
    const timeoutMs = this.o.timeoutMs ?? 2000;
    const results = await Promise.all(this.o.queues.map(async (queue): Promise<QueueDepth> => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
      });
      try {
        const d = await Promise.race([this.o.queue.depth(queue, now), timeout]);
        if (d) return { queue, pending: d.pending, oldestAgeMs: d.oldestAgeMs, fresh: true, sampledAt: now };
      } catch {
        // Reported as stale below; the scrape still answers.
      } finally {
        // Workers' clearTimeout takes no undefined.
        if (timer !== undefined) clearTimeout(timer);
      }
      const prev = this.last.find((x) => x.queue === queue);
      return { queue, pending: prev?.pending ?? 0, oldestAgeMs: prev?.oldestAgeMs ?? null, fresh: false, sampledAt: now };
    }));
    this.last = results;
    return results;
  }
}
