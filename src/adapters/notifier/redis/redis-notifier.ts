/**
 * Wake-ups across processes: a publish wakes this process's waiters at once and every other
 * process's through Redis pub/sub (a new message in an inbox, an event for an SSE stream, a job
 * enqueued). Best effort, as the Notifier port says: a waiter always looks at the store after
 * waking, so a lost or spurious wake-up costs a delay or a query, never a wrong answer.
 *
 * Redis down (pub/sub not connected): waits are cut to `degradedPollMs`, so long-polls, SSE
 * streams and workers poll the store instead of sleeping through a peer's publish.
 */
import type { Notifier } from '../../../core/ports.ts';
import type { RedisBus } from '../../pubsub/redis/redis-bus.ts';
import { MemoryNotifier } from '../memory/memory-notifier.ts';

const CHANNEL = 'notify';

export interface RedisNotifierOptions {
  bus: RedisBus;
  /** The longest wait while this process cannot hear its peers; default 1,000 ms. */
  degradedPollMs?: number;
}

export class RedisNotifier implements Notifier {
  private readonly local = new MemoryNotifier();
  private pending = new Set<string>();
  private flushing = false;
  /** Aborted when pub/sub drops, so waits begun while it was up go back to their loops and poll. */
  private lost = new AbortController();

  constructor(private readonly o: RedisNotifierOptions) {
    o.bus.onLoss(() => {
      this.lost.abort();
      this.lost = new AbortController();
    });
    o.bus.subscribe(CHANNEL, (message) => {
      // One message carries the sender's id, then the topics of one tick, a line each.
      const lines = message.split('\n');
      if (lines[0] === o.bus.nodeId) return;
      for (let i = 1; i < lines.length; i++) this.local.publish(lines[i]!);
    });
  }

  publish(topic: string): void {
    this.local.publish(topic);
    this.pending.add(topic);
    if (this.flushing) return;
    this.flushing = true;
    // Topics published in one tick (a burst of sends) travel as one Redis message.
    setImmediate(() => {
      const topics = [...this.pending];
      this.pending = new Set();
      this.flushing = false;
      this.o.bus.publish(CHANNEL, [this.o.bus.nodeId, ...topics].join('\n'));
    });
  }

  wait(topic: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (!this.o.bus.listening()) return this.local.wait(topic, Math.min(timeoutMs, this.o.degradedPollMs ?? 1000), signal);
    // Either signal ends the wait; listeners are removed after, so waits do not pile up on `lost`.
    const lost = this.lost.signal;
    const either = new AbortController();
    const end = () => either.abort();
    if (signal?.aborted) end();
    signal?.addEventListener('abort', end, { once: true });
    lost.addEventListener('abort', end, { once: true });
    return this.local.wait(topic, timeoutMs, either.signal).finally(() => {
      signal?.removeEventListener('abort', end);
      lost.removeEventListener('abort', end);
    });
  }
}
