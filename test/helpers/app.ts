import { createHash } from 'node:crypto';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.ts';
import { MemoryNotifier } from '../../src/adapters/notifier/memory/memory-notifier.ts';
import type { CoreDeps } from '../../src/core/context.ts';
import { InFlightKeys } from '../../src/core/idempotency/idempotency.ts';
import { KeyVerifier } from '../../src/core/keys/key-verifier.ts';
import type { Clock, Logger, MailTransport, Resolver, WebhookSender } from '../../src/core/ports.ts';
import type { SseSettings } from '../../src/http/sse.ts';
import { createApp } from '../../src/http/app.ts';
import { SqlQuarantinePersistence } from '../../src/adapters/store/sql/quarantine-store.ts';
import { EDGE_DEFAULTS, type EdgeLimits } from '../../src/core/limits/defaults.ts';
import { createMemoryEdge } from '../../src/runtime/node/edge.ts';
import type { AppDeps } from '../../src/http/app-deps.ts';
import { SqlListStore } from '../../src/adapters/store/sql/lists-store.ts';
import type { DeliveryPacer } from '../../src/core/delivery/pacing.ts';
import { ListRegistry } from '../../src/core/inbound/list-registry.ts';
import type { MailAuthenticator } from '../../src/core/inbound/verdicts.ts';
import type { DeliverabilitySettings } from '../../src/core/deliverability.ts';
import { startDeliverability } from '../../src/core/deliverability-init.ts';
import { testSecretBox } from './secrets.ts';

export const OPERATOR_TOKEN = 'bwop_test_operator_token_0123456789';

export const silentLogger: Logger = {
  debug() {}, info() {}, warn() {}, error() {},
  child() { return silentLogger; },
};

/** Inbound authentication and delivery pacing; lists are always on (SQL store, in-memory cache). */
export interface InboundTestOptions {
  mailAuth?: MailAuthenticator;
  pacer?: DeliveryPacer;
}

/** Webhook and event-stream wiring; without a resolver only IP-literal webhook URLs pass the SSRF check. */
export interface WebhookTestOptions {
  resolver?: Resolver;
  webhookSender?: WebhookSender;
  webhookAllowPrivate?: boolean;
  sse?: SseSettings;
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  store: SqliteStore;
  /** A JSON request through app.request() (no socket). */
  request(method: string, path: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any }>;
  createOrg(): Promise<{ orgId: string; key: string }>;
  close(): Promise<void>;
}

/** Deliverability (domains, DKIM, suppressions, reputation, warm-up): on unless `false`. */
export interface DeliverabilityTestOptions {
  deliverability?: Partial<DeliverabilitySettings> | false;
}

/** The real Hono app on an in-memory SQLite store, for tests that need no socket. */
export async function buildTestApp(options: { clock?: Clock; transport?: MailTransport | null; domain?: string; limits?: EdgeLimits } & WebhookTestOptions & InboundTestOptions & DeliverabilityTestOptions = {}): Promise<TestApp> {
  const store = new SqliteStore({ filename: ':memory:' });
  await store.migrate();
  const clock = options.clock ?? (() => Date.now());
  // Generous limits unless a test asks for real ones: functional tests fire faster than agents should.
  const limits = options.limits ?? { ...EDGE_DEFAULTS, key: { ...EDGE_DEFAULTS.key, limit: 1e6, burst: 1e6 }, inboxSend: { ...EDGE_DEFAULTS.inboxSend, limit: 1e6, burst: 1e6 } };
  const edge = await createMemoryEdge({ clock, limits, persistence: new SqlQuarantinePersistence(store.db) });
  const core: CoreDeps = {
    store, queue: store, transport: options.transport ?? null, notifier: new MemoryNotifier(), clock, logger: silentLogger, edge,
    settings: { defaultDomain: options.domain ?? 'agents.localhost', publicUrl: 'http://localhost', maxRecipients: 50, idempotencyTtlMs: 86_400_000, webhookAllowPrivate: options.webhookAllowPrivate ?? false },
    resolver: options.resolver, webhookSender: options.webhookSender,
    lists: new ListRegistry({ store: new SqlListStore(store.db), clock }),
    mailAuth: options.mailAuth, pacer: options.pacer, secrets: await testSecretBox(),
  };
  if (options.deliverability !== false) {
    core.deliverability = await startDeliverability({
      store: store.deliverability, clock, notifier: core.notifier, logger: silentLogger, defaultDomain: core.settings.defaultDomain, settings: options.deliverability,
      secrets: core.secrets!,
    });
  }
  const deps: AppDeps = {
    ...core,
    edge,
    keys: new KeyVerifier({ store, clock, hashSync: (key) => createHash('sha256').update(key).digest('hex') }),
    inFlight: new InFlightKeys(),
    operatorTokenHash: createHash('sha256').update(OPERATOR_TOKEN).digest('hex'),
    sse: options.sse,
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
