/**
 * What reputation does to an inbox's outbound lane, and only that (DESIGN §1, §5): throttled
 * halves its send bucket (429 outbound_throttled), paused refuses its sends (403
 * outbound_paused) and holds its queued deliveries, while its inbound lane, reads and the org's
 * other inboxes go on. Resume is the operator's unless the operator allows the org.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intakeReport } from '../../src/core/bounces/intake.ts';
import type { DeliverabilitySettings } from '../../src/core/deliverability.ts';
import { EDGE_DEFAULTS } from '../../src/core/limits/defaults.ts';
import type { MailTransport } from '../../src/core/ports.ts';
import { buildTestApp, OPERATOR_TOKEN } from '../helpers/app.ts';
import { dsn } from '../helpers/reports.ts';
import { runDeliveries } from '../helpers/webhooks.ts';

const T0 = Date.UTC(2025, 5, 1, 12);
const relay: MailTransport = { send: async () => ({ ok: true, response: '250 2.0.0 queued' }), close: async () => {} };
const enc = (s: string) => new TextEncoder().encode(s);

async function setup(o: { realInboxLimit?: boolean; deliverability?: Partial<DeliverabilitySettings> } = {}) {
  const clock = { now: T0 };
  const t = await buildTestApp({
    clock: () => clock.now, transport: relay, deliverability: o.deliverability,
    limits: {
      ...EDGE_DEFAULTS, key: { ...EDGE_DEFAULTS.key, limit: 1e6, burst: 1e6 },
      inboxSend: o.realInboxLimit ? EDGE_DEFAULTS.inboxSend : { ...EDGE_DEFAULTS.inboxSend, limit: 1e6, burst: 1e6 },
    },
  });
  const { key, orgId } = await t.createOrg();
  const inbox = async (username: string) => (await t.request('POST', '/v1/inboxes', { key, body: { username } })).body as { id: string; address: string };
  let seq = 0;
  // A body of its own each time: the same request repeated would be caught as a loop.
  const send = (from: string, to = 'someone@example.org', k = key) => t.request('POST', `/v1/inboxes/${from}/messages`, {
    key: k, body: { to: [to], subject: `hi ${++seq}`, text: 'hello' }, headers: { 'idempotency-key': randomUUID() },
  });
  /** Sends to fresh addresses and relays them; returns the message ids and Message-IDs. */
  const sendMany = async (from: string, n: number, prefix: string) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await send(from, `${prefix}${i}@example.org`)).body.id);
    await runDeliveries(t.deps);
    return Promise.all(ids.map(async (id) => (await t.request('GET', `/v1/messages/${id}`, { key })).body as { id: string; message_id: string; to: string[] }));
  };
  const bounce = (m: { id: string; message_id: string; to: string[] }, address: string) =>
    intakeReport(t.deps, enc(dsn({ originalMessageId: m.message_id, to: address, recipients: [{ address: m.to[0]!, status: '5.1.1' }] })), [m.id]);
  const reputation = async (id: string) => (await t.request('GET', `/v1/inboxes/${id}/reputation`, { key })).body;
  return { t, clock, key, orgId, inbox, send, sendMany, bounce, reputation };
}

describe('a paused inbox', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  let a: { id: string; address: string };
  let b: { id: string; address: string };
  let waiting: string;

  beforeAll(async () => {
    s = await setup();
    a = await s.inbox('bouncy');
    b = await s.inbox('careful');
    const sent = await s.sendMany(a.id, 20, 'r');
    // Accepted before the pause, not yet delivered: it must wait, not go.
    waiting = (await s.send(a.id, 'later@example.org')).body.id;
    await s.bounce(sent[0]!, a.address);
    await s.bounce(sent[1]!, a.address);
  });
  afterAll(() => s.t.close());

  it('is paused at 10 % bounces over 20 sends, and says so everywhere', async () => {
    expect(await s.reputation(a.id)).toMatchObject({
      inbox_id: a.id, state: 'paused', sent: 20, bounced: 2, bounce_rate: 0.1, complaint_rate: 0,
      outbound_limit: { rule: 'reputation paused', limit: 0 }, since: new Date(T0).toISOString(), window_days: 30,
    });
    expect((await s.t.request('GET', `/v1/inboxes/${a.id}`, { key: s.key })).body.reputation).toEqual({ state: 'paused' });
    const events = (await s.t.request('GET', '/v1/events?types=inbox.reputation_changed', { key: s.key })).body.data;
    expect(events.map((e: { data: { previous_state: string; state: string } }) => `${e.data.previous_state}→${e.data.state}`)).toEqual(['healthy→throttled', 'throttled→paused']);
    expect(events[1]).toMatchObject({ type: 'inbox.reputation_changed', data: { inbox_id: a.id, reason: expect.stringMatching(/bounce rate 10\.0%/) } });
  });

  it('refuses its sends with 403 outbound_paused, naming the rule and the fix; nothing written', async () => {
    const res = await s.send(a.id);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'outbound_paused', rule: 'reputation paused', fix: expect.stringMatching(/operator/) });
  });

  it('holds its queued delivery instead of sending it', async () => {
    const results = await runDeliveries(s.t.deps);
    expect(results).toEqual([{ kind: 'defer', runAt: T0 + 60_000, reason: 'held: the inbox is paused for its reputation' }]);
    const m = (await s.t.request('GET', `/v1/messages/${waiting}`, { key: s.key })).body;
    expect(m.status).toBe('queued');
    expect(m.events.map((e: { type: string }) => e.type)).toEqual(['queued', 'held']);
  });

  it('still receives mail, and its mail is still readable', async () => {
    const res = await s.send(b.id, a.address);
    expect(res.status).toBe(202);
    await runDeliveries(s.t.deps);
    const inboxMail = (await s.t.request('GET', `/v1/inboxes/${a.id}/messages?direction=inbound`, { key: s.key })).body.data;
    expect(inboxMail).toHaveLength(1);
    expect((await s.t.request('GET', `/v1/inboxes/${a.id}/messages`, { key: s.key })).status).toBe(200);
  });

  it('leaves the org\'s other inboxes sending', async () => {
    expect((await s.send(b.id)).status).toBe(202);
    expect((await s.reputation(b.id)).state).toBe('healthy');
  });

  it('is resumed by the operator only (by default): to warning, and it sends again; the held mail goes', async () => {
    const byOrg = await s.t.request('POST', `/v1/inboxes/${a.id}/reputation/resume`, { key: s.key });
    expect(byOrg.status).toBe(403);
    expect(byOrg.body).toMatchObject({ code: 'forbidden', fix: expect.stringMatching(/operator/) });
    const res = await s.t.request('POST', `/v1/inboxes/${a.id}/reputation/resume`, { key: OPERATOR_TOKEN });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'warning', outbound_limit: { rule: 'inbox-send 1000000/s' } });
    expect((await s.send(a.id)).status).toBe(202);
    s.clock.now += 60_000;
    await runDeliveries(s.t.deps);
    expect((await s.t.request('GET', `/v1/messages/${waiting}`, { key: s.key })).body.status).toBe('sent');
    const last = (await s.t.request('GET', '/v1/events?types=inbox.reputation_changed', { key: s.key })).body.data.at(-1);
    expect(last.data).toMatchObject({ previous_state: 'paused', state: 'warning', reason: 'resumed by the operator' });
  });

  it('answers 404 for an inbox the operator does not have, and for another org\'s', async () => {
    expect((await s.t.request('POST', '/v1/inboxes/inb_01JX0000000000000000000000/reputation/resume', { key: OPERATOR_TOKEN })).status).toBe(404);
    const { key: other } = await s.t.createOrg();
    expect((await s.t.request('POST', `/v1/inboxes/${a.id}/reputation/resume`, { key: other })).status).toBe(404);
    expect((await s.t.request('GET', `/v1/inboxes/${a.id}/reputation`, { key: other })).status).toBe(404);
  });
});

describe('self-resume, when the operator allows it', () => {
  it('lets an org key resume its own inbox, not an inbox-scoped key', async () => {
    const s = await setup({ deliverability: { orgSelfResume: true } });
    const a = await s.inbox('mine');
    const sent = await s.sendMany(a.id, 20, 'q');
    await s.bounce(sent[0]!, a.address);
    await s.bounce(sent[1]!, a.address);
    expect((await s.send(a.id)).body.fix).toMatch(/reputation\/resume/);
    const scoped = (await s.t.request('POST', '/v1/keys', { key: s.key, body: { scopes: ['inbox'], inbox_ids: [a.id] } })).body.api_key;
    expect((await s.t.request('POST', `/v1/inboxes/${a.id}/reputation/resume`, { key: scoped })).body.code).toBe('forbidden_scope');
    const res = await s.t.request('POST', `/v1/inboxes/${a.id}/reputation/resume`, { key: s.key });
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('warning');
    await s.t.close();
  });
});

describe('a throttled inbox', () => {
  it('gets half the send bucket under a rule of its own: 429 outbound_throttled naming inbox-send-throttled', async () => {
    const s = await setup({ realInboxLimit: true });
    const a = await s.inbox('hasty');
    const b = await s.inbox('calm');
    // The fast path: the last 5 messages all hard-bounced, below the 20-send sample.
    s.clock.now += 10_000;
    const sent = await s.sendMany(a.id, 5, 'x');
    for (const m of sent) await s.bounce(m, a.address);
    expect(await s.reputation(a.id)).toMatchObject({ state: 'throttled', outbound_limit: { rule: 'inbox-send-throttled 2/s', limit: 2, window_seconds: 1, burst: 5 } });

    s.clock.now += 10_000; // both buckets full again
    for (let i = 0; i < 5; i++) expect((await s.send(a.id)).status).toBe(202);
    const res = await s.send(a.id);
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ code: 'outbound_throttled', rule: 'inbox-send-throttled 2/s', fix: expect.any(String), 'violated-policies': ['inbox-send-throttled'] });
    expect(res.headers.get('ratelimit-policy')).toBe('"inbox-send-throttled";q=2;w=1');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The other inbox keeps the full bucket.
    for (let i = 0; i < 10; i++) expect((await s.send(b.id)).status).toBe(202);
    await s.t.close();
  });
});
