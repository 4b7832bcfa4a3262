/**
 * Every refusal of the defensive edge (issue 4) through app.request(), with the DESIGN §5 limits
 * and an injected clock: the answer an agent gets (status, code, rule, fix, RateLimit fields,
 * Retry-After), that it was counted per lane, and that it wrote nothing.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN } from '../helpers/app.ts';
import { countStatements } from './sql-counter.ts';
import { edgeApp, expectRejected, freshMail, generousKey, PROBLEM_TYPES, tally, type EdgeApp } from './edge-helpers.ts';

const get = (t: EdgeApp, key: string, path = '/v1/inboxes') => t.request('GET', path, { key });

describe('the key bucket (20/s, burst 40)', () => {
  let t: EdgeApp;
  let key: string;

  beforeEach(async () => {
    t = await edgeApp();
    ({ key } = await t.org());
  });
  afterEach(() => t.close());

  it('grants the burst, refuses the 41st with the draft fields, and refills one token per 50 ms', async () => {
    for (let i = 0; i < 40; i++) {
      const res = await get(t, key);
      expect(res.status).toBe(200);
      // Every answer says where the caller stands, not only refusals.
      expect(res.headers.get('ratelimit-policy')).toBe('"key";q=20;w=1');
      expect(res.headers.get('ratelimit')).toMatch(new RegExp(`^"key";r=${39 - i};t=[12]$`));
      expect(res.headers.get('retry-after')).toBeNull();
    }
    const res = await expectRejected(t, 'control', 'rate_limited', () => get(t, key));
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({
      type: `${PROBLEM_TYPES}#quota-exceeded`, title: expect.any(String), status: 429, code: 'rate_limited',
      rule: 'key 20/s', fix: expect.stringMatching(/\w+ \w+/), 'violated-policies': ['key'],
    });
    expect(res.body.request_id).toBe(res.headers.get('x-request-id'));
    expect(res.headers.get('ratelimit-policy')).toBe('"key";q=20;w=1');
    // Empty: a full bucket is 40 tokens × 50 ms away.
    expect(res.headers.get('ratelimit')).toBe('"key";r=0;t=2');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    t.advance(49);
    expect((await get(t, key)).status).toBe(429);
    t.advance(1);
    const refilled = await get(t, key);
    expect(refilled.status).toBe(200);
    expect(refilled.headers.get('ratelimit')).toMatch(/^"key";r=0;t=2$/);
    expect((await get(t, key)).status).toBe(429);
  });

  it('answers a storm of refused requests without a single store query', async () => {
    const inbox = await t.inbox(key, 'storm');
    t.advance(10_000);
    for (let i = 0; i < 40; i++) await get(t, key);
    const sql = countStatements();
    try {
      const answers = await Promise.all([
        ...Array.from({ length: 100 }, () => get(t, key)),
        ...Array.from({ length: 100 }, () => t.send(key, inbox.id, freshMail())),
        ...Array.from({ length: 100 }, () => get(t, key, `/v1/inboxes/${inbox.id}/messages`)),
      ]);
      expect(tally(answers.map((a) => a.status))).toEqual({ 429: 300 });
      expect(sql.statements).toEqual([]);
    } finally {
      sql.restore();
    }
  });

  it('charges a send one token per recipient', async () => {
    const inbox = await t.inbox(key, 'fanout');
    const before = await get(t, key);
    const r = Number(/r=(\d+)/.exec(before.headers.get('ratelimit')!)![1]);
    const to = Array.from({ length: 10 }, (_, i) => `rcpt${i}@example.com`);
    const sent = await t.send(key, inbox.id, freshMail(to));
    expect(sent.status).toBe(202);
    expect(sent.headers.get('ratelimit')).toMatch(new RegExp(`^"key";r=${r - 10};`));
    const after = await get(t, key);
    expect(after.headers.get('ratelimit')).toMatch(new RegExp(`^"key";r=${r - 11};`));
  });

  it('refuses a send the bucket cannot cover, before anything is written', async () => {
    const inbox = await t.inbox(key, 'short');
    // Leave 5 tokens: a send to 10 recipients needs 10.
    for (let i = 0; i < 34; i++) expect((await get(t, key)).status).toBe(200);
    const to = Array.from({ length: 10 }, (_, i) => `rcpt${i}@example.com`);
    const res = await expectRejected(t, 'outbound', 'rate_limited', () => t.send(key, inbox.id, freshMail(to)));
    expect(res.body.rule).toBe('key 20/s');
    expect(res.headers.get('ratelimit-policy')).toBe('"key";q=20;w=1');
  });
});

describe('the inbox send bucket (5/s, burst 10)', () => {
  let t: EdgeApp;
  beforeAll(async () => { t = await edgeApp(); });

  it('sends 10, refuses the 11th naming inbox-send 5/s, and leaves other inboxes alone', async () => {
    const { key } = await t.org();
    const a = await t.inbox(key, 'busy');
    const b = await t.inbox(key, 'quiet');
    for (let i = 0; i < 10; i++) expect((await t.send(key, a.id, freshMail())).status).toBe(202);
    const res = await expectRejected(t, 'outbound', 'rate_limited', () => t.send(key, a.id, freshMail()));
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({
      type: `${PROBLEM_TYPES}#quota-exceeded`, rule: 'inbox-send 5/s', fix: expect.any(String), 'violated-policies': ['inbox-send'],
    });
    expect(res.headers.get('ratelimit-policy')).toBe('"inbox-send";q=5;w=1');
    expect(res.headers.get('ratelimit')).toBe('"inbox-send";r=0;t=2');
    expect(res.headers.get('retry-after')).toBe('1');

    expect((await t.send(key, b.id, freshMail())).status).toBe(202);
    t.advance(200);
    expect((await t.send(key, a.id, freshMail())).status).toBe(202);
    expect((await t.send(key, a.id, freshMail())).status).toBe(429);
  });
});

describe('the plan quota', () => {
  it('gives a free org 100 messages a day, then refuses naming the window until a token is back', async () => {
    const t = await edgeApp();
    const { key } = await t.org('free');
    const inbox = await t.inbox(key, 'free-agent');
    for (let i = 0; i < 100; i++) {
      // Refill the per-second buckets (key, inbox) without giving the daily one a token back (864 s each).
      if (i % 10 === 0) t.advance(2_000);
      const res = await t.send(key, inbox.id, freshMail());
      expect(res.status, JSON.stringify(res.body)).toBe(202);
    }
    t.advance(2_000);
    const res = await expectRejected(t, 'outbound', 'quota_exceeded', () => t.send(key, inbox.id, freshMail()));
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({
      type: `${PROBLEM_TYPES}#quota-exceeded`, code: 'quota_exceeded', rule: 'plan-daily 100/day',
      fix: expect.stringMatching(/free plan/), 'violated-policies': ['plan-daily'],
    });
    expect(res.body.detail).toMatch(/plan-daily 100\/day/);
    expect(res.headers.get('ratelimit-policy')).toBe('"plan-daily";q=100;w=86400');
    const retry = Number(res.headers.get('retry-after'));
    // One message's worth of a day is 864 s; about 22 s of it has passed.
    expect(retry).toBeGreaterThan(800);
    expect(retry).toBeLessThanOrEqual(864);
    expect((await t.writes()).messages).toBe(100);

    t.advance(retry * 1000);
    expect((await t.send(key, inbox.id, freshMail())).status).toBe(202);
    expect((await t.send(key, inbox.id, freshMail())).body.code).toBe('quota_exceeded');
    await t.close();
  });
});

describe('loop detection', () => {
  let t: EdgeApp;
  let key: string;
  let inbox: { id: string };
  beforeEach(async () => {
    t = await edgeApp();
    ({ key } = await t.org());
    inbox = await t.inbox(key, 'looper');
  });
  afterEach(() => t.close());

  it('refuses the 4th identical send within 10 s, whatever its Idempotency-Key', async () => {
    const body = { to: ['ops@example.com'], subject: 'status', text: 'still failing' };
    for (let i = 0; i < 3; i++) expect((await t.send(key, inbox.id, body)).status).toBe(202);
    t.advance(9_000);
    const res = await expectRejected(t, 'outbound', 'loop_detected', () => t.send(key, inbox.id, { text: 'still failing', subject: 'status', to: ['ops@example.com'] }));
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ type: `${PROBLEM_TYPES}#abnormal-usage-detected`, rule: expect.stringMatching(/loop/), fix: expect.any(String) });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another body is another request.
    expect((await t.send(key, inbox.id, { ...body, text: 'a new finding' })).status).toBe(202);
    // Ten quiet seconds later the same body is fine again.
    t.advance(10_000);
    expect((await t.send(key, inbox.id, body)).status).toBe(202);
  });

  it('quarantines the key on the outbound lane after 5 loops in a minute: 60 s, then 120 s', async () => {
    const keyId = (await get(t, key, '/v1/keys')).body.data[0].id as string;
    const other = await t.request('POST', '/v1/keys', { key, body: { name: 'second' } });
    expect(other.status).toBe(201);

    async function loopUntilQuarantined(body: unknown) {
      for (let i = 0; i < 3; i++) expect((await t.send(key, inbox.id, body)).status).toBe(202);
      for (let i = 0; i < 4; i++) await expectRejected(t, 'outbound', 'loop_detected', () => t.send(key, inbox.id, body));
      // The 5th detection is still answered loop_detected, and records the quarantine.
      await expectRejected(t, 'outbound', 'loop_detected', () => t.send(key, inbox.id, body), { writesQuarantine: true });
    }

    await loopUntilQuarantined({ to: ['ops@example.com'], subject: 'retry', text: 'round one' });
    const refused = await expectRejected(t, 'outbound', 'quarantined', () => t.send(key, inbox.id, freshMail()));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ rule: 'quarantine key outbound', fix: expect.stringMatching(/60 s/) });
    expect(refused.headers.get('retry-after')).toBe('60');

    // Reads (inbound lane) and management (control) still work with this key; other keys still send.
    expect((await get(t, key, `/v1/inboxes/${inbox.id}/messages`)).status).toBe(200);
    expect((await get(t, key)).status).toBe(200);
    expect((await t.request('PATCH', `/v1/inboxes/${inbox.id}`, { key, body: { display_name: 'Looper' } })).status).toBe(200);
    expect((await t.send(other.body.api_key, inbox.id, freshMail())).status).toBe(202);

    const list = await get(t, key, '/v1/quarantine');
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([expect.objectContaining({
      kind: 'key', target: keyId, lane: 'outbound', source: 'auto', reason: expect.stringMatching(/loop/), expires_at: new Date(t.now + 60_000).toISOString(),
    })]);

    t.advance(59_999);
    expect((await t.send(key, inbox.id, freshMail())).body.code).toBe('quarantined');
    t.advance(1);
    expect((await t.send(key, inbox.id, freshMail())).status).toBe(202);
    expect((await get(t, key, '/v1/quarantine')).body.data).toEqual([]);

    // Again within the day: twice as long.
    t.advance(10_000);
    await loopUntilQuarantined({ to: ['ops@example.com'], subject: 'retry', text: 'round two' });
    const again = (await get(t, key, '/v1/quarantine')).body.data;
    expect(again).toEqual([expect.objectContaining({ source: 'auto', expires_at: new Date(t.now + 120_000).toISOString() })]);
    t.advance(119_999);
    expect((await t.send(key, inbox.id, freshMail())).body.code).toBe('quarantined');
    t.advance(1);
    expect((await t.send(key, inbox.id, freshMail())).status).toBe(202);
  });
});

describe('failed authentication (10 per minute per client address)', () => {
  let t: EdgeApp;
  const unknownKey = (i: number) => `bw_${String(i).padStart(32, 'x')}`;
  beforeAll(async () => {
    t = await edgeApp();
    // app.request() has no socket: let a test header stand in for the peer address.
    t.deps.edge.clientAddress = (c) => c.req.header('x-test-client') ?? 'local';
  });

  it('refuses the 11th failure with 429 auth-failures, before the store, for that address only', async () => {
    const { key } = await t.org();
    expect((await get(t, key)).status).toBe(200);
    for (let i = 0; i < 10; i++) await expectRejected(t, 'control', 'unauthorized', () => get(t, unknownKey(i)));

    const sql = countStatements();
    try {
      const refused = await expectRejected(t, 'control', 'rate_limited', () => get(t, unknownKey(10)));
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ rule: 'auth-failures 10/min', 'violated-policies': ['auth-failures'], type: `${PROBLEM_TYPES}#quota-exceeded` });
      expect(refused.headers.get('ratelimit-policy')).toBe('"auth-failures";q=10;w=60');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Missing, malformed, or an operator-token guess: all the same client, all refused.
      expect((await t.request('GET', '/v1/inboxes')).status).toBe(429);
      expect((await t.request('GET', '/v1/inboxes', { headers: { authorization: 'Basic abc' } })).status).toBe(429);
      expect((await t.request('POST', '/v1/orgs', { key: 'bwop_guess_guess_guess_guess', body: { name: 'x' } })).status).toBe(429);
      expect(sql.statements).toEqual([]);
    } finally {
      sql.restore();
    }

    // A key this process already verified still works; another address may still fail.
    expect((await get(t, key)).status).toBe(200);
    expect((await t.request('GET', '/v1/inboxes', { key: unknownKey(99), headers: { 'x-test-client': '203.0.113.9' } })).status).toBe(401);

    // One failure comes back every 6 s.
    t.advance(6_000);
    expect((await get(t, unknownKey(11))).status).toBe(401);
    expect((await get(t, unknownKey(12))).status).toBe(429);
  });
});

describe('the key cache', () => {
  let t: EdgeApp;
  beforeEach(async () => {
    t = await edgeApp();
    t.deps.edge.clientAddress = (c) => c.req.header('x-test-client') ?? 'local';
  });
  afterEach(() => t.close());

  const keyLookups = (statements: string[]) => statements.filter((s) => /from "api_keys"/i.test(s)).length;

  it('asks the store once for a storm of one valid key, and sheds none of it', async () => {
    // 120 requests wait on one lookup: they must share one in-flight slot (of 64), not take 120.
    const { key } = await t.org();
    const sql = countStatements();
    try {
      const answers = await Promise.all(Array.from({ length: 120 }, () => get(t, key)));
      expect(tally(answers.map((a) => a.status))).toEqual({ 200: 40, 429: 80 });
      expect(keyLookups(sql.statements)).toBe(1);
      t.advance(10_000);
      await Promise.all(Array.from({ length: 120 }, () => get(t, key)));
      expect(keyLookups(sql.statements)).toBe(1);
    } finally {
      sql.restore();
    }
  });

  it('asks the store once for a storm of one unknown key (negative cache)', async () => {
    const bad = `bw_${'n'.repeat(32)}`;
    const sql = countStatements();
    try {
      // From many addresses, so the auth-failure bucket does not cut the storm short.
      const storm = (round: number) => Promise.all(Array.from({ length: 60 }, (_, i) =>
        t.request('GET', '/v1/inboxes', { key: bad, headers: { 'x-test-client': `198.51.${round}.${i}` } })));
      expect(tally((await storm(1)).map((a) => a.status))).toEqual({ 401: 60 });
      expect(tally((await storm(2)).map((a) => a.status))).toEqual({ 401: 60 });
      expect(keyLookups(sql.statements)).toBe(1);
    } finally {
      sql.restore();
    }
  });

  it('fails a revoked key at once on this process', async () => {
    const { key } = await t.org();
    const second = await t.request('POST', '/v1/keys', { key, body: { name: 'doomed' } });
    expect((await get(t, second.body.api_key)).status).toBe(200);
    expect((await t.request('DELETE', `/v1/keys/${second.body.id}`, { key })).status).toBe(200);
    const sql = countStatements();
    try {
      const res = await get(t, second.body.api_key);
      expect(res.status).toBe(401);
      expect(res.body.detail).toMatch(/revoked/);
      expect(sql.statements).toEqual([]);
    } finally {
      sql.restore();
    }
  });
});

describe('load shedding', () => {
  it('answers past maxInFlight with 503 overloaded and Retry-After, the rest 200, never 500', async () => {
    const t = await edgeApp({ ...generousKey(), maxInFlight: 1 });
    const { key } = await t.org();
    expect((await get(t, key)).status).toBe(200);
    const counted = t.deps.edge.rejections.total('control', 'overloaded');
    const answers = await Promise.all(Array.from({ length: 30 }, () => get(t, key)));
    const statuses = tally(answers.map((a) => a.status));
    expect(Object.keys(statuses).sort()).toEqual(['200', '503']);
    const shed = answers.filter((a) => a.status === 503);
    for (const a of shed) {
      expect(a.body).toMatchObject({ code: 'overloaded', type: `${PROBLEM_TYPES}#temporary-reduced-capacity`, rule: 'in-flight 1' });
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(t.deps.edge.rejections.total('control', 'overloaded') - counted).toBe(shed.length);
    expect(t.deps.edge.gate.inFlight).toBe(0);
    await t.close();
  });
});

describe('body limits', () => {
  let t: EdgeApp;
  let key: string;
  beforeAll(async () => {
    t = await edgeApp(generousKey());
    ({ key } = await t.org());
  });

  const padded = (bytes: number) => {
    const head = '{"username":"big","display_name":"';
    return `${head}${'x'.repeat(bytes - head.length - 2)}"}`;
  };

  /** A body the test can watch being read: `pulled` bytes so far, at most `total`. */
  function watchedStream(total: number, chunk = 1024) {
    const state = { pulled: 0, cancelled: false };
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (state.pulled >= total) return c.close();
        state.pulled += chunk;
        c.enqueue(new Uint8Array(chunk).fill(0x20));
      },
      cancel() { state.cancelled = true; },
    }, { highWaterMark: 0 });
    return { stream, state };
  }

  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    t.app.request(new Request('http://localhost/v1/inboxes', {
      method: 'POST', body, duplex: 'half', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    } as RequestInit));

  const answer = async (res: Response) => ({ status: res.status, headers: res.headers, body: await res.json() });

  it('refuses a 65 KiB body with 413 and takes one of exactly 64 KiB', async () => {
    const res = await expectRejected(t, 'control', 'payload_too_large', async () => answer(await post(padded(65 * 1024))));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ rule: 'body-limit 65536', fix: expect.any(String) });
    // At the limit the body is read and judged by the schema (display_name is too long), not by its size.
    expect((await answer(await post(padded(64 * 1024)))).body.code).toBe('validation_failed');
  });

  it('refuses a Content-Length over the limit without reading a byte', async () => {
    const { stream, state } = watchedStream(70_000);
    const res = await expectRejected(t, 'control', 'payload_too_large', async () => answer(await post(stream, { 'content-length': '70000' })));
    expect(res.status).toBe(413);
    expect(state.pulled).toBe(0);
  });

  it('cuts off a chunked body as soon as it passes the limit', async () => {
    const { stream, state } = watchedStream(16 * 1024 * 1024);
    const res = await expectRejected(t, 'control', 'payload_too_large', async () => answer(await post(stream)));
    expect(res.status).toBe(413);
    expect(state.pulled).toBeGreaterThan(64 * 1024);
    expect(state.pulled).toBeLessThanOrEqual(64 * 1024 + 4 * 1024);
    expect(state.cancelled).toBe(true);
  });

  it('lets a send carry more than 64 KiB (its limit is 25 MiB)', async () => {
    const inbox = await t.inbox(key, 'attacher');
    const res = await t.send(key, inbox.id, { ...freshMail(), text: 'y'.repeat(200 * 1024) });
    expect(res.status).toBe(202);
  });
});

describe('the quarantine API', () => {
  let t: EdgeApp;
  let a: { key: string; orgId: string };
  let b: { key: string; orgId: string };
  let a1: { id: string; address: string };
  let a2: { id: string; address: string };
  let b1: { id: string; address: string };

  beforeAll(async () => {
    t = await edgeApp(generousKey());
    a = await t.org('unlimited', 'a');
    b = await t.org('unlimited', 'b');
    a1 = await t.inbox(a.key, 'a-one');
    a2 = await t.inbox(a.key, 'a-two');
    b1 = await t.inbox(b.key, 'b-one');
  });

  const quarantine = (key: string, body: unknown) => t.request('POST', '/v1/quarantine', { key, body });
  const sendSlowly = async (key: string, inboxId: string, body: unknown) => {
    // Keep the inbox send bucket (5/s) out of these checks.
    t.advance(1_000);
    return t.send(key, inboxId, body);
  };

  it('lets an org key quarantine its own inbox: its sends stop, its reads and the other inbox go on', async () => {
    const added = await quarantine(a.key, { kind: 'inbox', target: a1.id, lane: 'outbound', reason: 'agent misbehaving', ttl_seconds: 600 });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ kind: 'inbox', target: a1.id, lane: 'outbound', reason: 'agent misbehaving', expires_at: new Date(t.now + 600_000).toISOString() });

    const refused = await expectRejected(t, 'outbound', 'quarantined', () => sendSlowly(a.key, a1.id, freshMail()));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ rule: `quarantine inbox ${a1.address}`, fix: expect.any(String), detail: expect.stringMatching(/agent misbehaving/) });
    expect((await get(t, a.key, `/v1/inboxes/${a1.id}/messages`)).status).toBe(200);
    expect((await get(t, a.key, `/v1/inboxes/${a1.id}`)).status).toBe(200);
    expect((await sendSlowly(a.key, a2.id, freshMail())).status).toBe(202);

    // Org A sees its entry; org B does not, and cannot release it.
    expect((await get(t, a.key, '/v1/quarantine')).body.data.map((e: { id: string }) => e.id)).toContain(added.body.id);
    expect((await get(t, b.key, '/v1/quarantine')).body.data).toEqual([]);
    expect((await t.request('DELETE', `/v1/quarantine/${added.body.id}`, { key: b.key })).status).toBe(404);

    const released = await t.request('DELETE', `/v1/quarantine/${added.body.id}`, { key: a.key });
    expect(released.status).toBe(200);
    expect((await sendSlowly(a.key, a1.id, freshMail())).status).toBe(202);
  });

  it('keeps org keys to their own keys and inboxes', async () => {
    const domain = await quarantine(a.key, { kind: 'domain', target: 'example.com', lane: 'outbound', reason: 'no' });
    expect(domain.status).toBe(403);
    expect(domain.body.code).toBe('forbidden_scope');
    const foreignInbox = await quarantine(a.key, { kind: 'inbox', target: b1.id, lane: 'both', reason: 'no' });
    expect(foreignInbox.status).toBe(404);
    expect(foreignInbox.body.code).toBe('not_found');
    const bKeyId = (await get(t, b.key, '/v1/keys')).body.data[0].id;
    expect((await quarantine(a.key, { kind: 'key', target: bKeyId, lane: 'outbound', reason: 'no' })).status).toBe(404);
    expect((await sendSlowly(b.key, b1.id, freshMail())).status).toBe(202);
  });

  it('lets the operator quarantine a recipient domain on the outbound lane, until released or expired', async () => {
    const added = await quarantine(OPERATOR_TOKEN, { kind: 'domain', target: 'Spamtrap.Example', lane: 'outbound', reason: 'complaints', ttl_seconds: 120 });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ kind: 'domain', target: 'spamtrap.example', source: 'operator' });

    const refused = await expectRejected(t, 'outbound', 'quarantined', () => sendSlowly(b.key, b1.id, freshMail(['x@SPAMTRAP.example'])));
    expect(refused.body.rule).toBe('quarantine recipient domain spamtrap.example');
    // One quarantined recipient among others stops the send; other domains go on.
    expect((await sendSlowly(a.key, a2.id, freshMail(['ok@example.com', 'y@spamtrap.example']))).body.code).toBe('quarantined');
    expect((await sendSlowly(b.key, b1.id, freshMail(['ok@example.com']))).status).toBe(202);
    // The operator's entry is not an org's to see.
    expect((await get(t, a.key, '/v1/quarantine')).body.data).toEqual([]);
    expect((await get(t, OPERATOR_TOKEN, '/v1/quarantine')).body.data.map((e: { id: string }) => e.id)).toContain(added.body.id);

    t.advance(120_000);
    expect((await sendSlowly(b.key, b1.id, freshMail(['x@spamtrap.example']))).status).toBe(202);

    const again = await quarantine(OPERATOR_TOKEN, { kind: 'domain', target: 'spamtrap.example', lane: 'outbound', reason: 'complaints', ttl_seconds: null });
    expect(again.body.expires_at).toBeNull();
    expect((await sendSlowly(b.key, b1.id, freshMail(['x@spamtrap.example']))).body.code).toBe('quarantined');
    expect((await t.request('DELETE', `/v1/quarantine/${again.body.id}`, { key: OPERATOR_TOKEN })).status).toBe(200);
    expect((await sendSlowly(b.key, b1.id, freshMail(['x@spamtrap.example']))).status).toBe(202);
  });

  it('never lets an inbound-lane quarantine stop sends', async () => {
    const added = await quarantine(a.key, { kind: 'inbox', target: a2.id, lane: 'inbound', reason: 'noisy senders' });
    expect(added.status).toBe(201);
    expect((await sendSlowly(a.key, a2.id, freshMail())).status).toBe(202);
    await t.request('DELETE', `/v1/quarantine/${added.body.id}`, { key: a.key });
  });
});
