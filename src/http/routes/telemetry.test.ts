import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PromMetrics } from '../../adapters/metrics/prom-client/prom-metrics.ts';
import { EDGE_DEFAULTS } from '../../core/limits/defaults.ts';
import { OPERATOR_TOKEN } from '../../../test/helpers/app.ts';
import { observedApp, type ObservedApp } from '../../../test/helpers/observed-app.ts';

const send = (t: ObservedApp, key: string, inboxId: string, n: number) => t.request('POST', `/v1/inboxes/${inboxId}/messages`, {
  key, body: { to: [`someone${n}@example.com`], subject: `report ${n}`, text: `body ${n}` }, headers: { 'idempotency-key': `idem-${inboxId}-${n}` },
});

describe('GET /metrics', () => {
  let t: ObservedApp;
  beforeEach(async () => {
    t = await observedApp();
  });
  afterEach(() => t.close());

  it('answers the operator only', async () => {
    const { key } = await t.org();
    expect((await t.request('GET', '/metrics')).status).toBe(401);
    expect((await t.request('GET', '/metrics', { key })).body.code).toBe('forbidden_scope');
    const res = await t.request('GET', '/metrics', { key: OPERATOR_TOKEN });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('counts requests by lane, route pattern, status and code; latency per lane; deliveries; decisions — with bounded labels only', async () => {
    const { key } = await t.org();
    const inbox = await t.inbox(key, 'agent');
    for (let i = 0; i < 3; i++) expect((await send(t, key, inbox.id, i)).status).toBe(202);
    expect((await t.request('GET', `/v1/messages/msg_01ARZ3NDEKTSV4RRFFQ69G5FAV`, { key })).status).toBe(404);
    await t.deliverAll();
    const text = (await t.request('GET', '/metrics', { key: OPERATOR_TOKEN })).body as string;
    expect(text).toContain('breakwater_http_requests_total{lane="outbound",route="POST /v1/inboxes/:id/messages",status="202",code=""} 3');
    expect(text).toContain('breakwater_http_requests_total{lane="inbound",route="GET /v1/messages/:id",status="404",code="not_found"} 1');
    expect(text).toMatch(/breakwater_http_request_duration_seconds_bucket\{lane="outbound",le="\+Inf"\} 3/);
    expect(text).toContain('breakwater_deliveries_total{result="sandboxed",domain="example.com"} 3');
    expect(text).toMatch(/breakwater_edge_decisions_total\{gate="limiter",rule="inbox-send",decision="allowed"\} 3/);
    expect(text).toMatch(/breakwater_queue_depth\{queue="delivery"\} 0/);
    expect(text).toMatch(/breakwater_identities\{state="healthy"\} 1/);
    expect(text).toMatch(/breakwater_edge_in_flight_max 64/);
    // No key, inbox, org, message id or address ever becomes a label.
    expect(text).not.toMatch(/(key|inb|org|msg)_[0-9A-Z]{26}/);
    expect(text).not.toMatch(/someone\d@/);
  });

  it('bounds destination domains: the first N have a label, the rest count as "other"', async () => {
    const m = new PromMetrics({ maxDomains: 2, processMetrics: false });
    for (const d of ['a.example', 'b.example', 'c.example', 'd.example', 'a.example']) m.delivery('sent', d);
    const text = (await m.exposition()).body;
    expect(text).toContain('breakwater_deliveries_total{result="sent",domain="a.example"} 2');
    expect(text).toContain('breakwater_deliveries_total{result="sent",domain="other"} 2');
    expect(text).not.toContain('c.example');
  });
});

describe('GET /v1/telemetry/lanes', () => {
  let t: ObservedApp;
  beforeEach(async () => {
    // The DESIGN §5 key bucket (20/s, burst 40), so a burst is refused.
    t = await observedApp({ limits: EDGE_DEFAULTS });
  });
  afterEach(() => t.close());

  it('shows the operator every org and an org key only its own', async () => {
    const a = await t.org('a');
    const b = await t.org('b');
    const inboxA = await t.inbox(a.key, 'storm');
    const inboxB = await t.inbox(b.key, 'calm');
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => send(t, a.key, inboxA.id, i)));
    const refused = answers.filter((r) => r.status === 429).length;
    expect(refused).toBeGreaterThan(0);
    expect((await send(t, b.key, inboxB.id, 0)).status).toBe(202);

    const all = (await t.request('GET', '/v1/telemetry/lanes?window=5m', { key: OPERATOR_TOKEN })).body;
    expect(all).toMatchObject({ window: '5m', window_seconds: 300, org_id: null, scope: 'process' });
    expect(all.lanes.outbound.requests).toBe(61);
    expect(all.lanes.outbound.rejections.rate_limited).toBe(refused);
    expect(all.lanes.outbound.top_talkers.inboxes_by_rejections[0]).toEqual({ id: inboxA.id, org_id: a.orgId, count: refused });
    expect(all.anomalies[0]).toMatchObject({ kind: 'throttle', lane: 'outbound', org_id: a.orgId, reason: 'rate_limited', count: refused });
    expect(all.lanes.outbound.latency_ms.p99).toBeGreaterThan(0);

    const own = (await t.request('GET', '/v1/telemetry/lanes', { key: b.key })).body;
    expect(own).toMatchObject({ window: '60s', org_id: b.orgId });
    expect(own.lanes.outbound).toMatchObject({ requests: 1, rejected: 0 });
    expect(own.lanes.outbound.top_talkers.inboxes_by_volume).toEqual([{ id: inboxB.id, org_id: b.orgId, count: 1 }]);
    expect(own.anomalies).toEqual([]);
  });

  it('refuses inbox-scoped keys and unknown windows', async () => {
    const a = await t.org('a');
    const inbox = await t.inbox(a.key, 'scoped');
    const scoped = (await t.request('POST', '/v1/keys', { key: a.key, body: { name: 'one inbox', scopes: ['inbox'], inbox_ids: [inbox.id] } })).body.api_key;
    expect((await t.request('GET', '/v1/telemetry/lanes', { key: scoped })).body.code).toBe('forbidden_scope');
    expect((await t.request('GET', '/v1/telemetry/lanes?window=2h', { key: a.key })).status).toBe(422);
  });
});

describe('GET /v1/telemetry/stream', () => {
  it('sends the operator a snapshot at once, then every period', async () => {
    const t = await observedApp();
    t.deps.observability!.streamPeriodMs = 50;
    const { key } = await t.org();
    expect((await t.request('GET', '/v1/telemetry/stream', { key })).status).toBe(403);
    const ac = new AbortController();
    const res = await t.app.request('/v1/telemetry/stream', { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` }, signal: ac.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/event: snapshot/g) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    await reader.cancel();
    const frame = JSON.parse(/data: (.*)\n/.exec(text)![1]!);
    expect(frame).toMatchObject({ totals: { outbound: { requests: 0 } }, lanes: { window: '60s' }, queues: [{ queue: 'delivery', pending: 0 }, { queue: 'webhook' }], edge: { max_in_flight: 64 } });
    await t.close();
  });
});
