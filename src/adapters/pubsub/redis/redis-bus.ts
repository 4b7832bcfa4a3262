/**
 * One process's link to Redis in the scale-out shape: a command connection for the limiter and
 * loop scripts, and a subscriber connection for the channels that keep nodes in step (quarantine
 * changes, revoked keys, wake-ups). Every user of Redis asks `available()` first and falls back
 * to its local copy when Redis is down; the decision per mechanism is in docs/deployment.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../../../core/ports.ts';

export interface RedisBusOptions {
  url: string;
  logger: Logger;
  /** A command slower than this is a fault, and its caller falls back; default 500 ms. */
  commandTimeoutMs?: number;
  /** After a fault, callers skip Redis for this long instead of paying a timeout each; default 1,000 ms. */
  cooldownMs?: number;
  /** Prefix of every key and channel; default `bw:`. */
  prefix?: string;
}

type Handler = (message: string) => void;

/** A Lua script run by EVALSHA, loaded with EVAL the first time a server does not know it. */
export interface LuaScript {
  lua: string;
  sha: string;
}

export function luaScript(lua: string): LuaScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

export class RedisBus {
  readonly command: Redis;
  readonly subscriber: Redis;
  readonly prefix: string;
  /** Tells this process's own messages apart from its peers'. */
  readonly nodeId = randomBytes(6).toString('hex');
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly resyncs = new Set<() => void>();
  private readonly losses = new Set<() => void>();
  private readonly cooldownMs: number;
  private openUntil = 0;
  private lastFaultLog = -Infinity;
  private wasDown = false;
  private subscribedOnce = false;
  private closed = false;

  constructor(private readonly o: RedisBusOptions) {
    this.prefix = o.prefix ?? 'bw:';
    this.cooldownMs = o.cooldownMs ?? 1000;
    const common = {
      // Reconnect for ever, backing off to 2 s: Redis coming back must heal every node without a restart.
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
      connectTimeout: 2000,
      lazyConnect: true,
    };
    // No offline queue on the command connection: while Redis is down a command fails at once and
    // the caller answers from its fallback, instead of every request waiting for a reconnect.
    this.command = new Redis(o.url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: o.commandTimeoutMs ?? 500 });
    this.subscriber = new Redis(o.url, { ...common, autoResubscribe: true, maxRetriesPerRequest: null });
    for (const [name, client] of [['command', this.command], ['subscriber', this.subscriber]] as const) {
      // ioredis emits 'error' on every failed reconnect; the state changes below are what we log.
      client.on('error', () => {});
      client.on('close', () => {
        if (this.closed || this.wasDown) return;
        this.wasDown = true;
        o.logger.warn({ redis: name }, 'redis connection lost: falling back to local state until it returns');
      });
    }
    this.command.on('ready', () => {
      if (this.wasDown) o.logger.info({}, 'redis connection restored');
      this.wasDown = false;
    });
    this.subscriber.on('close', () => {
      for (const fn of this.losses) fn();
    });
    this.subscriber.on('ready', () => {
      // Messages published while this node was unsubscribed are lost: let each user resync.
      if (this.subscribedOnce) for (const fn of this.resyncs) fn();
      this.subscribedOnce = true;
    });
    this.subscriber.on('message', (channel: string, message: string) => {
      const set = this.handlers.get(channel);
      if (!set) return;
      for (const h of set) {
        try {
          h(message);
        } catch (err) {
          o.logger.error({ err, channel }, 'redis message handler failed');
        }
      }
    });
  }

  /** Connects both connections; resolves false (and keeps retrying in the background) if Redis is not there in `timeoutMs`. */
  async connect(timeoutMs = 5000): Promise<boolean> {
    const attempt = Promise.all([this.command.connect(), this.subscriber.connect()]).then(() => true, () => false);
    const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref());
    const ok = await Promise.race([attempt, timeout]);
    if (!ok) {
      this.wasDown = true;
      this.o.logger.warn({}, 'redis not reachable at start: running on local state until it is');
    }
    return ok;
  }

  /** Whether callers should try Redis now: connected, and no fault in the last `cooldownMs`. */
  available(): boolean {
    return this.command.status === 'ready' && Date.now() >= this.openUntil;
  }

  /** Whether this node hears its peers now (pub/sub connected). */
  listening(): boolean {
    return this.subscriber.status === 'ready';
  }

  /** Record a fault: callers use their fallback for `cooldownMs`. */
  fault(err: unknown, what: string): void {
    const now = Date.now();
    this.openUntil = now + this.cooldownMs;
    // A Redis that hangs rather than drops faults every second: say so once a minute, not each time.
    if (now - this.lastFaultLog < 60_000) return;
    this.lastFaultLog = now;
    this.o.logger.warn({ err: err instanceof Error ? err.message : String(err), what }, 'redis command failed: using the local fallback');
  }

  /** Runs a script by SHA, loading it once per server. Rejects on faults (down, timeout, script error). */
  async eval(script: LuaScript, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await this.command.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.command.eval(script.lua, keys.length, ...keys, ...args);
    }
  }

  /** Best effort, fire and forget: a message lost while Redis is down is made up by each user's resync. */
  publish(channel: string, message: string): void {
    if (this.command.status !== 'ready') return;
    this.command.publish(this.prefix + channel, message).catch((err: unknown) => this.fault(err, `publish ${channel}`));
  }

  subscribe(channel: string, handler: Handler): void {
    const name = this.prefix + channel;
    let set = this.handlers.get(name);
    if (!set) {
      this.handlers.set(name, (set = new Set()));
      // The subscriber keeps its offline queue: this runs once connected, and again after each reconnect.
      this.subscriber.subscribe(name).catch(() => {});
    }
    set.add(handler);
  }

  /** Called after pub/sub reconnects, when messages may have been missed. */
  onResync(fn: () => void): void {
    this.resyncs.add(fn);
  }

  /** Called when pub/sub disconnects: from now on peers' messages are not heard. */
  onLoss(fn: () => void): void {
    this.losses.add(fn);
  }

  async close(): Promise<void> {
    this.closed = true;
    // QUIT lets publishes already sent reach the server; bounded, since Redis may be gone.
    const quit = (c: Redis) => (c.status === 'ready' ? c.quit().then(() => {}, () => {}) : Promise.resolve());
    await Promise.race([Promise.all([quit(this.command), quit(this.subscriber)]), new Promise((r) => setTimeout(r, 1000).unref())]);
    this.command.disconnect();
    this.subscriber.disconnect();
  }
}
