import { EDGE_DEFAULTS, type EdgeLimits } from '../../src/core/limits/defaults.ts';
import type { LaneTelemetry } from '../../src/core/lanes/telemetry.ts';
import { DELIVERY_QUEUE } from '../../src/core/context.ts';
import { deliverMessage } from '../../src/core/delivery/deliver.ts';
import { createObservability } from '../../src/runtime/node/observability.ts';
import { buildTestApp, OPERATOR_TOKEN, type TestApp } from './app.ts';

export interface ObservedApp extends TestApp {
  telemetry: LaneTelemetry;
  /** Runs every due delivery job once, as the delivery worker would. */
  deliverAll(): Promise<number>;
  /** `fetch`-style call with any headers (cookies, CSRF), answering the raw Response. */
  raw(method: string, path: string, init?: { headers?: Record<string, string>; body?: string }): Promise<Response>;
  org(name?: string): Promise<{ orgId: string; key: string }>;
  inbox(key: string, username: string): Promise<{ id: string; address: string }>;
}

/**
 * The real app on in-memory SQLite, wired as the Node composition root wires it for telemetry:
 * lane telemetry, prom-client metrics, the cross-org reads and the dashboard's assets.
 */
export async function observedApp(o: { limits?: EdgeLimits; webhookAllowPrivate?: boolean } = {}): Promise<ObservedApp> {
  const open = (rule: typeof EDGE_DEFAULTS.key) => ({ ...rule, limit: 1e6, burst: 1e6 });
  const limits = o.limits ?? { ...EDGE_DEFAULTS, key: open(EDGE_DEFAULTS.key), inboxSend: open(EDGE_DEFAULTS.inboxSend) };
  const t = await buildTestApp({ limits, webhookAllowPrivate: o.webhookAllowPrivate });
  const observed = createObservability({ db: t.store.db, queue: t.store, edge: t.deps.edge, clock: t.deps.clock, deliverability: t.deps.deliverability });
  t.deps.telemetry = observed.telemetry;
  t.deps.observability = observed.observability;
  const e = t as ObservedApp;
  e.telemetry = observed.telemetry;
  e.deliverAll = async () => {
    const jobs = await t.store.claim(DELIVERY_QUEUE, 'test', 60_000, 100, t.deps.clock());
    for (const job of jobs) {
      const r = await deliverMessage(t.deps, job);
      if (r.kind === 'done') await t.store.complete(job.id, 'test');
    }
    return jobs.length;
  };
  e.raw = (method, path, init = {}) => Promise.resolve(t.app.request(path, { method, headers: init.headers, body: init.body }));
  e.org = async (name = 'org') => {
    const res = await t.request('POST', '/v1/orgs', { key: OPERATOR_TOKEN, body: { name, plan: 'unlimited' } });
    return { orgId: res.body.org.id, key: res.body.api_key };
  };
  e.inbox = async (key, username) => (await t.request('POST', '/v1/inboxes', { key, body: { username } })).body;
  return e;
}
