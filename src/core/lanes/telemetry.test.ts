import { describe, expect, it } from 'vitest';
import type { Lane } from '../model.ts';
import { MAX_ORGS_PER_BUCKET } from './bucket.ts';
import type { Metrics } from './metrics.ts';
import { LaneTelemetry, type RequestObservation } from './telemetry.ts';

const T0 = Date.UTC(2025, 5, 1, 12);

function setup(metrics?: Metrics) {
  const clock = { now: T0 };
  const t = new LaneTelemetry({ clock: () => clock.now, metrics });
  const req = (o: Partial<RequestObservation> & { lane?: Lane } = {}) => t.request({
    lane: 'outbound', route: 'POST /v1/inboxes/:id/messages', status: 202, code: null, ms: 2, org: 'org_a', key: 'key_a', inbox: 'inb_a', ...o,
  });
  return { t, clock, req };
}

describe('LaneTelemetry windows', () => {
  it('counts per lane, rejections by reason, rates over the span and latency percentiles', () => {
    const { t, clock, req } = setup();
    for (let i = 0; i < 30; i++) req({ ms: 1 });
    for (let i = 0; i < 60; i++) req({ status: 429, code: 'rate_limited', ms: 0.04 });
    for (let i = 0; i < 10; i++) req({ status: 429, code: 'loop_detected', ms: 0.04 });
    req({ lane: 'inbound', route: 'GET /v1/events', status: 200 });
    clock.now += 10_000;
    const r = t.report('60s');
    expect(r.lanes.outbound).toMatchObject({ requests: 100, accepted: 30, rejected: 70, rejections: { rate_limited: 60, loop_detected: 10 } });
    expect(r.lanes.outbound.rates.requests).toBeCloseTo(10, 0); // 100 over the 10 s seen
    expect(r.lanes.outbound.latencyMs.p50).toBeLessThanOrEqual(0.05);
    expect(r.lanes.outbound.latencyMs.p99).toBeGreaterThan(0.5);
    expect(r.lanes.inbound.requests).toBe(1);
    expect(r.lanes.control.requests).toBe(0);
  });

  it('slides: traffic leaves the 60 s window, stays in 5 m, then rolls into the hour', () => {
    const { t, clock, req } = setup();
    for (let i = 0; i < 5; i++) req();
    clock.now += 2 * 60_000;
    expect(t.report('60s').lanes.outbound.requests).toBe(0);
    expect(t.report('5m').lanes.outbound.requests).toBe(5);
    req();
    clock.now += 20 * 60_000; // the fine ring has long forgotten; the coarse one has it
    expect(t.report('5m').lanes.outbound.requests).toBe(0);
    expect(t.report('1h').lanes.outbound.requests).toBe(6);
    clock.now += 61 * 60_000;
    expect(t.report('1h').lanes.outbound.requests).toBe(0);
  });

  it('shows an org only its own traffic, talkers and anomalies; the operator everything', () => {
    const { t, req } = setup();
    for (let i = 0; i < 20; i++) req({ status: 429, code: 'rate_limited' });
    for (let i = 0; i < 3; i++) req({ org: 'org_b', key: 'key_b', inbox: 'inb_b' });
    const a = t.report('60s', 'org_a');
    const b = t.report('60s', 'org_b');
    expect(a.lanes.outbound.requests).toBe(20);
    expect(b.lanes.outbound.requests).toBe(3);
    expect(b.lanes.outbound.talkers.keysByVolume.map((e) => e.id)).toEqual(['key_b']);
    expect(b.anomalies).toEqual([]);
    expect(a.anomalies).toMatchObject([{ kind: 'throttle', subject: { kind: 'key', id: 'key_a' }, count: 20, reason: 'rate_limited' }]);
    const all = t.report('60s');
    expect(all.lanes.outbound.requests).toBe(23);
    expect(all.lanes.outbound.talkers.keysByRejections).toMatchObject([{ id: 'key_a', count: 20 }]);
    expect(all.lanes.outbound.talkers.inboxesByVolume.map((e) => e.id)).toEqual(['inb_a', 'inb_b']);
  });

  it('stays bounded under a storm of distinct orgs and keys', () => {
    const { t, req } = setup();
    for (let i = 0; i < 5000; i++) req({ org: `org_${i}`, key: `key_${i}`, inbox: null, status: 429, code: 'rate_limited' });
    const r = t.report('60s');
    expect(r.lanes.outbound.requests).toBe(5000);
    expect(r.lanes.outbound.talkers.keysByVolume.length).toBeLessThanOrEqual(10);
    // Past the per-bucket cap, an org's traffic is only in the operator's totals.
    expect(t.report('60s', 'org_1').lanes.outbound.requests).toBe(1);
    expect(t.report('60s', `org_${MAX_ORGS_PER_BUCKET + 10}`).lanes.outbound.requests).toBe(0);
    // One episode per key and kind, in a ring of 100.
    expect(r.anomalies.length).toBeLessThanOrEqual(50);
  });

  it('coalesces a storm into one anomaly episode and opens a new one after a quiet minute', () => {
    const { t, clock, req } = setup();
    for (let i = 0; i < 10_000; i++) req({ status: 429, code: 'loop_detected' });
    expect(t.report('60s').anomalies).toMatchObject([{ kind: 'loop', count: 10_000 }]);
    clock.now += 90_000;
    req({ status: 429, code: 'loop_detected' });
    const episodes = t.report('5m').anomalies;
    expect(episodes.map((e) => e.count)).toEqual([1, 10_000]);
  });

  it('records quarantine changes as anomalies, and totals per lane for the live chart', () => {
    const { t, req } = setup();
    t.quarantine({ id: 'qrn_1', kind: 'inbox', target: 'inb_a', lane: 'outbound', reason: 'looping', source: 'operator', orgId: 'org_a', createdAt: T0, expiresAt: null }, 'added');
    req({ status: 403, code: 'quarantined' });
    expect(t.report('60s').anomalies.map((a) => a.kind).sort()).toEqual(['quarantine', 'quarantine']);
    expect(t.laneTotals().outbound).toEqual({ requests: 1, rejected: 1, reasons: { quarantined: 1 } });
  });

  it('forwards every observation to the Metrics port', () => {
    const seen: string[] = [];
    const metrics: Metrics = {
      request: (lane, route, status, code) => seen.push(`request ${lane} ${route} ${status} ${code}`),
      smtp: (stage, result) => seen.push(`smtp ${stage} ${result}`),
      delivery: (result, domain) => seen.push(`delivery ${result} ${domain}`),
      webhookAttempt: (result) => seen.push(`webhook ${result}`),
      decision: () => {},
    };
    const { t, req } = setup(metrics);
    req({ status: 429, code: 'rate_limited' });
    t.smtp('rcpt', { status: 550, code: 'unknown_user', ms: 1, org: null, inbox: null });
    t.smtp('rcpt', { status: 250, code: null, ms: 1, org: null, inbox: null });
    t.delivery({ result: 'sent', domains: ['a.example', 'b.example'], org: 'org_a', inbox: 'inb_a' });
    t.webhookAttempt('dead');
    expect(seen).toEqual([
      'request outbound POST /v1/inboxes/:id/messages 429 rate_limited', 'smtp rcpt unknown_user', 'smtp rcpt accepted',
      'delivery sent a.example', 'delivery sent b.example', 'webhook dead',
    ]);
    // An accepted RCPT is not inbound traffic; the refused one is.
    expect(t.report('60s').lanes.inbound).toMatchObject({ requests: 1, rejected: 1, rejections: { unknown_user: 1 } });
  });
});
