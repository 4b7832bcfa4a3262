import { createHash } from 'node:crypto';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.ts';
import { MemoryNotifier } from '../../src/adapters/notifier/memory/memory-notifier.ts';
import type { CoreDeps } from '../../src/core/context.ts';
import { InFlightKeys } from '../../src/core/idempotency/idempotency.ts';
import { KeyVerifier } from '../../src/core/keys/key-verifier.ts';
import type { Clock, Logger, MailTransport } from '../../src/core/ports.ts';
import { createApp } from '../../src/http/app.ts';
import type { AppDeps } from '../../src/http/app-deps.ts';

export const OPERATOR_TOKEN = 'bwop_test_operator_token_0123456789';

export const silentLogger: Logger = {
  debug() {}, info() {}, warn() {}, error() {},
  child() { return silentLogger; },
};

export interface TestApp {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  store: SqliteStore;
  /** A JSON request through app.request() (no socket). */
  request(method: string, path: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any }>;
  createOrg(): Promise<{ orgId: string; key: string }>;
  close(): Promise<void>;
}

/** The real Hono app on an in-memory SQLite store, for tests that need no socket. */
export async function buildTestApp(options: { clock?: Clock; transport?: MailTransport | null; domain?: string } = {}): Promise<TestApp> {
  const store = new SqliteStore({ filename: ':memory:' });
  await store.migrate();
  const clock = options.clock ?? (() => Date.now());
  const core: CoreDeps = {
    store, queue: store, transport: options.transport ?? null, notifier: new MemoryNotifier(), clock, logger: silentLogger,
    settings: { defaultDomain: options.domain ?? 'agents.localhost', publicUrl: 'http://localhost', maxRecipients: 50, idempotencyTtlMs: 86_400_000 },
  };
  const deps: AppDeps = {
    ...core,
    keys: new KeyVerifier({ store, clock }),
    inFlight: new InFlightKeys(),
    operatorTokenHash: createHash('sha256').update(OPERATOR_TOKEN).digest('hex'),
  };
  const app = createApp(deps);
  const request: TestApp['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.key) headers.authorization = `Bearer ${opts.key}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await app.request(path, { method, headers, body });
    const text = await res.text();
    const isJson = (res.headers.get('content-type') ?? '').includes('json');
    return { status: res.status, headers: res.headers, body: isJson && text ? JSON.parse(text) : text };
  };
  return {
    app, deps, store, request,
    async createOrg() {
      const res = await request('POST', '/v1/orgs', { key: OPERATOR_TOKEN, body: { name: 'org', plan: 'unlimited' } });
      return { orgId: res.body.org.id, key: res.body.api_key };
    },
    close: () => store.close(),
  };
}
