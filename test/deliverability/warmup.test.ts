/**
 * Warm-up (DESIGN §5): a new inbox sends 100 messages its first day, 200 its second, doubling
 * to the plan's daily cap; it mails 50 new recipients its first day, doubling daily. Refusals
 * are 429 quota_exceeded naming the rule and its window. Time is the injected clock.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EDGE_DEFAULTS } from '../../src/core/limits/defaults.ts';
import { warmupCap } from '../../src/core/limits/warmup.ts';
import { buildTestApp, OPERATOR_TOKEN } from '../helpers/app.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 5, 1, 12);
const PROBLEM = 'https://iana.org/assignments/http-problem-types#quota-exceeded';

async function setup(plan: 'free' | 'pro' | 'unlimited') {
  const clock = { now: T0 };
  const open = (r: typeof EDGE_DEFAULTS.key) => ({ ...r, limit: 1e6, burst: 1e6 });
  const t = await buildTestApp({ clock: () => clock.now, limits: { ...EDGE_DEFAULTS, key: open(EDGE_DEFAULTS.key), inboxSend: open(EDGE_DEFAULTS.inboxSend) } });
  const org = await t.request('POST', '/v1/orgs', { key: OPERATOR_TOKEN, body: { name: 'warm', plan } });
  const key = org.body.api_key as string;
  const inbox = (await t.request('POST', '/v1/inboxes', { key, body: { username: 'newbie' } })).body as { id: string };
  let seq = 0;
  const send = (to: string[]) => t.request('POST', `/v1/inboxes/${inbox.id}/messages`, {
    key, body: { to, subject: `report ${++seq}`, text: 'x' }, headers: { 'idempotency-key': randomUUID() },
  });
  return { t, clock, key, inbox, send };
}

describe('warmupCap', () => {
  it('doubles daily from the first day until it reaches the plan cap, then stops applying', () => {
    expect([0, 1, 2, 3, 8, 9].map((d) => warmupCap(100, d, 50_000))).toEqual([100, 200, 400, 800, 25_600, null]);
    expect(warmupCap(100, 0, 100)).toBeNull(); // the free plan's own cap is the first day's
    expect(warmupCap(50, 0, 100)).toBe(50);
    expect(warmupCap(100, 0, null)).toBeNull(); // no plan cap: nothing to warm up to
  });
});

describe('warm-up of a new inbox', () => {
  it('sends 100 the first day, refuses the 101st naming warmup-inbox 100/day, and 200 the second day', async () => {
    const { t, clock, send } = await setup('pro');
    for (let i = 0; i < 100; i++) expect((await send(['same@example.com'])).status).toBe(202);
    const res = await send(['same@example.com']);
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({
      type: PROBLEM, code: 'quota_exceeded', rule: 'warmup-inbox 100/day', 'violated-policies': ['warmup-inbox'], fix: expect.stringMatching(/warming up \(day 1: 100 messages\)/),
    });
    expect(res.headers.get('ratelimit-policy')).toBe('"warmup-inbox";q=100;w=86400');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);

    clock.now += DAY;
    for (let i = 0; i < 200; i++) expect((await send(['same@example.com'])).status).toBe(202);
    expect((await send(['same@example.com'])).body.rule).toBe('warmup-inbox 200/day');
    await t.close();
  }, 60_000);

  it('mails 50 new recipients the first day; recipients mailed before stay free; 100 new the second day', async () => {
    const { t, clock, send } = await setup('pro');
    const batch = (from: number) => Array.from({ length: 10 }, (_, i) => `r${from + i}@example.com`);
    for (let i = 0; i < 50; i += 10) expect((await send(batch(i))).status).toBe(202);
    const res = await send(['r50@example.com']);
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ code: 'quota_exceeded', rule: 'warmup-new-recipients 50/day', 'violated-policies': ['warmup-new-recipients'] });
    // Known recipients cost nothing from the new-recipient cap.
    expect((await send(batch(0))).status).toBe(202);

    clock.now += DAY;
    expect((await send(Array.from({ length: 50 }, (_, i) => `s${i}@example.com`))).status).toBe(202);
    expect((await send(Array.from({ length: 50 }, (_, i) => `t${i}@example.com`))).status).toBe(202);
    expect((await send(['u@example.com'])).body.rule).toBe('warmup-new-recipients 100/day');
    await t.close();
  });

  it('ends when the cap reaches the plan\'s: the free plan (100/day) caps new recipients on its first day only', async () => {
    const { t, clock, send } = await setup('free');
    expect((await send(Array.from({ length: 50 }, (_, i) => `a${i}@example.com`))).status).toBe(202);
    expect((await send(['b@example.com'])).body.rule).toBe('warmup-new-recipients 50/day');
    clock.now += DAY;
    expect((await send(Array.from({ length: 50 }, (_, i) => `c${i}@example.com`))).status).toBe(202);
    expect((await send(Array.from({ length: 50 }, (_, i) => `d${i}@example.com`))).status).toBe(202);
    expect((await send(['e@example.com'])).status).toBe(202);
    await t.close();
  });

  it('does not apply to a plan without a daily cap', async () => {
    const { t, send } = await setup('unlimited');
    for (let i = 0; i < 101; i++) expect((await send([`n${i}@example.com`])).status).toBe(202);
    await t.close();
  }, 60_000);
});
