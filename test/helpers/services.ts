/**
 * The outside services of the scale-out suites: PostgreSQL and Redis already running on this
 * machine (CI starts them). Under CI (`CI=true`) a missing service fails the suite; elsewhere the
 * suite is skipped with a line saying why. Every run gets its own throwaway database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { newId } from '../../src/core/ids.ts';
import type { Logger } from '../../src/core/ports.ts';
import type { QuarantineEntry, QuarantinePersistence } from '../../src/core/quarantine/quarantine.ts';

export const inCI = process.env.CI === 'true';

/** A database on the server to connect to while creating and dropping throwaway ones. */
export const POSTGRES_URL = process.env.BREAKWATER_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BREAKWATER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function postgresProblem(): Promise<string | null> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return `PostgreSQL at ${POSTGRES_URL}: ${(err as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

async function redisProblem(url = REDIS_URL): Promise<string | null> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  let cause: Error | null = null;
  redis.on('error', (err: Error) => (cause = err));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (err) {
    return `Redis at ${url}: ${(cause ?? (err as Error)).message}`;
  } finally {
    redis.disconnect();
  }
}

/**
 * Null when every service is up. Otherwise the reason: under CI this throws (the suite fails,
 * never skips); elsewhere it warns once and the caller skips.
 */
export async function requireServices(suite: string, ...services: Array<'postgres' | 'redis'>): Promise<string | null> {
  const problems = (await Promise.all(services.map((s) => (s === 'postgres' ? postgresProblem() : redisProblem())))).filter((p) => p !== null);
  if (problems.length === 0) return null;
  const reason = problems.join('; ');
  if (inCI) throw new Error(`${suite}: a service CI must provide is missing (${reason})`);
  console.warn(`skipping ${suite}: ${reason} (set CI=true to make this a failure)`);
  return reason;
}

export interface ThrowawayDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** CREATE DATABASE bw_test_<random>; `drop()` removes it, closing whatever still connects to it. */
export async function throwawayDatabase(): Promise<ThrowawayDatabase> {
  const name = `bw_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    // C collation: ids sort byte by byte, as cursor paging expects (docs/deployment.md).
    await admin.query(`create database ${name} template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C'`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server of our own on a free port, without persistence: tests that stop Redis stop
 * this one, never the machine's shared Redis.
 */
export class ThrowawayRedis {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<ThrowawayRedis> {
    const r = new ThrowawayRedis(await freePort());
    await r.spawn();
    return r;
  }

  /** (Re)starts the server on the same port. */
  async spawn(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    this.child = child;
    const deadline = Date.now() + 5000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      if ((await redisProblem(this.url)) === null) return;
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not answer in 5 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL: the server vanishes mid-conversation, as a crashed Redis does. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }
}

/** True when `redis-server` can be started here (for the outage tests). */
export async function canStartRedis(): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('redis-server', ['--version'], { stdio: 'ignore' });
    p.once('error', () => resolve(false));
    p.once('exit', (code) => resolve(code === 0));
  });
}

/** A Logger that keeps its lines, so a test can see that a fallback was announced. */
export function memoryLogger(lines: Array<{ level: string; msg?: string; obj: object }> = []): Logger & { lines: typeof lines } {
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, msg, obj });
  const logger = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

/** A key prefix no other run shares, so suites on the machine's Redis never collide. */
export const testPrefix = () => `bwtest:${randomBytes(4).toString('hex')}:`;

/** The quarantine table of a shared store, as every node sees it (for registry tests without a database). */
export class SharedPersistence implements QuarantinePersistence {
  readonly rows = new Map<string, QuarantineEntry>();
  async loadQuarantine(now: number) {
    for (const [id, e] of this.rows) if (e.expiresAt !== null && e.expiresAt <= now) this.rows.delete(id);
    return [...this.rows.values()];
  }
  async saveQuarantine(e: QuarantineEntry) {
    this.rows.set(e.id, e);
  }
  async deleteQuarantine(id: string) {
    this.rows.delete(id);
  }
}

export function quarantineEntry(target: string, over: Partial<QuarantineEntry> = {}): QuarantineEntry {
  const now = Date.now();
  return { id: newId('qrn', now), kind: 'key', target, lane: 'outbound', reason: 'test', source: 'operator', orgId: 'org_x', createdAt: now, expiresAt: null, ...over };
}
