/**
 * The SDK's retry manners against a scripted fetch: what is retried, how long it waits, and
 * that a send keeps its Idempotency-Key across its own retries. No server: the answers are
 * the ones Breakwater gives (problem+json, Retry-After, RateLimit).
 */
import { describe, expect, it } from 'vitest';
import { Breakwater, BreakwaterError } from '../../src/sdk/index.ts';
import { backoffMs, isRetryable, parseRateLimitReset, parseRetryAfter } from '../../src/sdk/retry.ts';

type Script = Array<Response | Error>;

function problem(status: number, code: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title: code, status, detail: `${code} happened`, code, request_id: 'req_test', fix: 'Do the fix.' }), {
    status, headers: { 'content-type': 'application/problem+json', 'x-request-id': 'req_test', ...headers },
  });
}

const okJson = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A client whose fetch answers from `script` in order, recording each request and each wait. */
function scripted(script: Script, options: { random?: number; maxRetries?: number } = {}) {
  const requests: Array<{ method: string; url: string; headers: Headers }> = [];
  const sleeps: number[] = [];
  const bw = new Breakwater({
    apiKey: 'bw_test', baseUrl: 'http://bw.test',
    fetch: async (input, init) => {
      requests.push({ method: init?.method ?? 'GET', url: String(input), headers: new Headers(init?.headers) });
      const next = script.shift();
      if (!next) throw new Error('script exhausted');
      if (next instanceof Error) throw next;
      return next;
    },
    sleep: async (ms) => { sleeps.push(ms); },
    random: () => options.random ?? 0.5,
    maxRetries: options.maxRetries,
    now: () => Date.parse('2026-01-01T00:00:00Z'),
  });
  return { bw, requests, sleeps };
}

const SENT = { id: 'msg_1', thread_id: 'thr_1', status: 'queued' };

describe('retry decisions', () => {
  it.each([
    [{ status: 408 }, false, true], [{ status: 429, code: 'rate_limited' }, false, true], [{ status: 429, code: 'loop_detected' }, true, false],
    [{ status: 409, code: 'idempotency_in_progress' }, true, true], [{ status: 409, code: 'conflict' }, true, false],
    [{ status: 503, code: 'overloaded' }, false, true], [{ status: 500 }, true, true], [{ status: 500 }, false, false], [{ status: 502 }, true, true],
    [{ status: 400 }, true, false], [{ status: 401 }, true, false], [{ status: 403, code: 'outbound_paused' }, true, false], [{ status: 404 }, true, false],
    [{ status: 422 }, true, false], [{ network: true as const }, true, true], [{ network: true as const }, false, false],
  ] as const)('%j idempotent=%s → %s', (outcome, idempotent, expected) => {
    expect(isRetryable(outcome, idempotent)).toBe(expected);
  });

  it('parses Retry-After as seconds or an HTTP-date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('reads the reset of exhausted RateLimit policies', () => {
    expect(parseRateLimitReset('"key";r=0;t=2')).toBe(2000);
    expect(parseRateLimitReset('"key";r=5;t=2')).toBeUndefined();
    expect(parseRateLimitReset('"key";r=0;t=1, "inbox-send";r=0;t=4')).toBe(4000);
    expect(parseRateLimitReset(null)).toBeUndefined();
  });

  it('backs off with full jitter under a cap', () => {
    const policy = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 4000, maxRetryAfterMs: 60_000, random: () => 0.999 };
    expect([0, 1, 2, 3, 4, 5].map((r) => backoffMs(policy, r, undefined))).toEqual([499, 999, 1998, 3996, 3996, 3996]);
    expect(backoffMs({ ...policy, random: () => 0 }, 3, undefined)).toBe(0);
    // A server hint is a floor: never earlier than told, jittered above it.
    expect(backoffMs({ ...policy, random: () => 0 }, 0, 2000)).toBe(2000);
    expect(backoffMs(policy, 0, 2000)).toBeLessThanOrEqual(2500);
  });
});

describe('the client', () => {
  it('waits Retry-After on 429, then succeeds', async () => {
    const { bw, requests, sleeps } = scripted([problem(429, 'rate_limited', { 'retry-after': '2', ratelimit: '"key";r=0;t=1' }), okJson({ data: [], next_cursor: null })], { random: 0 });
    await expect(bw.inboxes.list().page()).resolves.toEqual({ data: [], next_cursor: null });
    expect(requests).toHaveLength(2);
    expect(sleeps).toEqual([2000]);
  });

  it('falls back on the RateLimit reset when Retry-After is absent', async () => {
    const { bw, sleeps } = scripted([problem(429, 'rate_limited', { ratelimit: '"key";r=0;t=3' }), okJson({ data: [], next_cursor: null })], { random: 0 });
    await bw.inboxes.list().page();
    expect(sleeps).toEqual([3000]);
  });

  it('keeps one Idempotency-Key across its retries of a send', async () => {
    const { bw, requests } = scripted([new TypeError('fetch failed'), problem(409, 'idempotency_in_progress'), problem(503, 'overloaded', { 'retry-after': '1' }), okJson(SENT, 202)]);
    await expect(bw.messages.send('inb_1', { to: ['a@example.com'], text: 'hi' })).resolves.toEqual(SENT);
    const keys = requests.map((r) => r.headers.get('idempotency-key'));
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    // A new call is a new logical request: a new key.
    const again = scripted([okJson(SENT, 202)]);
    await again.bw.messages.send('inb_1', { to: ['a@example.com'], text: 'hi' });
    expect(again.requests[0]!.headers.get('idempotency-key')).not.toBe(keys[0]);
  });

  it('never retries a 4xx refusal, and throws it typed', async () => {
    const { bw, requests } = scripted([problem(422, 'validation_failed')]);
    const err = await bw.messages.send('inb_1', { to: ['x'], text: 'hi' }).catch((e) => e);
    expect(err).toBeInstanceOf(BreakwaterError);
    expect(err).toMatchObject({ status: 422, code: 'validation_failed', requestId: 'req_test', fix: 'Do the fix.', attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  it('does not repeat a create whose answer was lost: it may have happened', async () => {
    const { bw, requests } = scripted([new TypeError('socket hang up')]);
    await expect(bw.inboxes.create({})).rejects.toMatchObject({ code: 'connection_failed', status: 0 });
    expect(requests).toHaveLength(1);
  });

  it('repeats a read after a lost answer, then gives up after maxRetries', async () => {
    const { bw, requests, sleeps } = scripted([new TypeError('a'), new TypeError('b'), new TypeError('c')], { maxRetries: 2 });
    await expect(bw.inboxes.get('inb_1')).rejects.toMatchObject({ code: 'connection_failed', attempts: 3 });
    expect(requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('does not sleep through a Retry-After longer than maxRetryAfterMs', async () => {
    const { bw, sleeps } = scripted([problem(429, 'quota_exceeded', { 'retry-after': '7200' })]);
    await expect(bw.inboxes.list().page()).rejects.toMatchObject({ code: 'quota_exceeded', retryAfterMs: 7_200_000 });
    expect(sleeps).toEqual([]);
  });

  it('reports a non-problem error page as unexpected_response with its status', async () => {
    const { bw } = scripted([new Response('<html>bad gateway</html>', { status: 502 }), new Response('<html>bad gateway</html>', { status: 502 })], { maxRetries: 1 });
    await expect(bw.messages.get('msg_1')).rejects.toMatchObject({ status: 502, code: 'unexpected_response' });
  });

  it('encodes ids into paths', async () => {
    const { bw, requests } = scripted([new Response(null, { status: 204 })]);
    await bw.suppressions.remove('a/b@example.com');
    expect(requests[0]!.url).toBe('http://bw.test/v1/suppressions/a%2Fb%40example.com');
  });

  it('walks every page with for await, fetching pages as needed', async () => {
    const { bw, requests } = scripted([
      okJson({ data: [{ id: 'inb_3' }, { id: 'inb_2' }], next_cursor: 'inb_2' }), okJson({ data: [{ id: 'inb_1' }], next_cursor: null }),
    ]);
    const ids: string[] = [];
    for await (const i of bw.inboxes.list({ limit: 2 })) ids.push(i.id);
    expect(ids).toEqual(['inb_3', 'inb_2', 'inb_1']);
    expect(requests.map((r) => new URL(r.url).search)).toEqual(['?limit=2', '?limit=2&cursor=inb_2']);
  });
});
