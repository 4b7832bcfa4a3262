/**
 * The SDK meets a real 429: a server with the default key limits (20/s, burst 40), its key
 * bucket emptied by other traffic. The SDK must wait what Retry-After says (measured through an
 * injected sleep that records, then really waits) and then succeed, never returning the 429.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Breakwater, type RetryInfo } from '../../src/sdk/index.ts';
import { TestServer } from '../helpers/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await TestServer.start({ env: { BREAKWATER_KEY_RATE: '20', BREAKWATER_KEY_BURST: '40' } });
});

afterAll(async () => {
  await server?.stop();
});

it('retries a 429 after Retry-After and succeeds', async () => {
  const { key } = await server.createOrg('limited');
  const sleeps: number[] = [];
  const retries: RetryInfo[] = [];
  const seen: Array<{ status: number; retryAfter: string | null; rateLimit: string | null }> = [];
  let draining = true;
  const bw = new Breakwater({
    apiKey: key, baseUrl: server.url, random: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((r) => setTimeout(r, ms));
    },
    onRetry: (info) => retries.push(info),
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      seen.push({ status: res.status, retryAfter: res.headers.get('retry-after'), rateLimit: res.headers.get('ratelimit') });
      // The SDK has met its 429: stop the other traffic so its retry can find a token.
      if (res.status === 429) draining = false;
      return res;
    },
  });
  // Another client of the same key keeps the bucket empty until the SDK is refused once.
  const drain = (async () => {
    while (draining) {
      await Promise.all(Array.from({ length: 8 }, () => fetch(`${server.url}/v1/inboxes`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.arrayBuffer())));
    }
  })();
  await new Promise((r) => setTimeout(r, 300));

  let page;
  for (let i = 0; i < 50 && !seen.some((s) => s.status === 429); i++) page = await bw.inboxes.list().page();
  draining = false;
  await drain;

  const refused = seen.find((s) => s.status === 429);
  expect(refused, 'the SDK never met a 429').toBeDefined();
  expect(refused!.retryAfter).toMatch(/^\d+$/);
  expect(refused!.rateLimit).toMatch(/^"key";r=0;t=\d+$/);
  expect(page).toEqual({ data: [], next_cursor: null });
  expect(seen[seen.length - 1]!.status).toBe(200);
  // With no jitter (random = 0) the wait is exactly what the server asked for.
  expect(retries[0]).toMatchObject({ retry: 1, error: { status: 429, code: 'rate_limited' } });
  expect(sleeps[0]).toBe(Number(refused!.retryAfter) * 1000);
});
