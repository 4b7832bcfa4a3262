/**
 * How many nodes share the limits, counted in Redis: every node refreshes its entry in one
 * sorted set every two seconds, and entries older than `ttlMs` (a node that died) drop out. The
 * count matters only when Redis is down (each node then grants 1/N of every limit alone), so
 * the census keeps the last count it saw. BREAKWATER_NODE_COUNT is a floor: the census raises
 * it when more nodes run than configured (autoscaling), never lowers it.
 */
import type { RedisBus } from './redis-bus.ts';

export interface NodeCensusOptions {
  bus: RedisBus;
  /** BREAKWATER_NODE_COUNT: the least count answered. */
  configured: number;
  /** Default 2,000 ms. */
  intervalMs?: number;
  /** A node not seen for this long no longer counts; default 10,000 ms. */
  ttlMs?: number;
}

export class NodeCensus {
  private last: number | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly key: string;

  constructor(private readonly o: NodeCensusOptions) {
    this.key = `${o.bus.prefix}nodes`;
  }

  /** Nodes sharing the limits: the last count seen, but never fewer than configured; at least 1. */
  count(): number {
    return Math.max(1, this.o.configured, this.last ?? 0);
  }

  start(): Promise<void> {
    this.timer = setInterval(() => void this.beat(), this.o.intervalMs ?? 2000);
    this.timer.unref();
    return this.beat();
  }

  /** Refreshes this node's entry, drops the dead, and counts; a no-op while Redis is unavailable. */
  async beat(): Promise<void> {
    const { bus } = this.o;
    if (!bus.available()) return;
    const now = Date.now();
    const ttl = this.o.ttlMs ?? 10_000;
    try {
      const replies = await bus.command.multi()
        .zadd(this.key, now, bus.nodeId)
        .zremrangebyscore(this.key, '-inf', now - ttl)
        .zcard(this.key)
        .pexpire(this.key, ttl * 2)
        .exec();
      const counted = Number(replies?.[2]?.[1]);
      if (Number.isSafeInteger(counted) && counted > 0) this.last = counted;
    } catch (err) {
      bus.fault(err, 'node census');
    }
  }

  /** Leaves the census (graceful stop): the others count one fewer at their next beat. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.o.bus.available()) await this.o.bus.command.zrem(this.key, this.o.bus.nodeId).catch(() => {});
  }
}
