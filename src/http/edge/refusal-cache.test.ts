import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { edgeApp, type EdgeApp } from '../../../test/edge/edge-helpers.ts';
import { OPERATOR_TOKEN } from '../../../test/helpers/app.ts';
import { EDGE_DEFAULTS } from '../../core/limits/defaults.ts';
import { gcra } from '../../core/limits/gcra.ts';
import { rateLimited } from '../../core/limits/refusal.ts';
import { problemResponse } from '../problem.ts';
import { KEY_FIX } from './edge-steps.ts';
import { RefusalCache } from './refusal-cache.ts';

const rule = EDGE_DEFAULTS.key;

/** A denied decision of the key rule: the bucket emptied at `t0`, asked again `after` ms later. */
function denied(after: number, cost = 1) {
  const t0 = 1_000_000;
  const empty = gcra(undefined, t0, rule, rule.burst).newTat;
  const d = gcra(empty, t0 + after, rule, cost).decision;
  expect(d.ok).toBe(false);
  return d;
}

async function parts(res: Response) {
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

describe('RefusalCache', () => {
  it('answers byte for byte what the slow path (rateLimited → problemResponse) answers', async () => {
    const cache = new RefusalCache('rate_limited', KEY_FIX);
    for (const [after, cost] of [[0, 1], [10, 1], [49, 1], [0, 5], [1500, 40]] as const) {
      const d = denied(after, cost);
      for (const id of ['req_aaaaaaaa000001', 'req_bbbbbbbb00zz09']) {
        const err = rateLimited(d, 'rate_limited', KEY_FIX);
        // Twice from the cache: the first builds the template, the second reuses it.
        for (let i = 0; i < 2; i++) expect(await parts(cache.respond(d, id))).toEqual(await parts(problemResponse(err.code, err.message, id, err.extras)));
      }
    }
  });
});

describe('a key with an empty bucket', () => {
  let t: EdgeApp;
  beforeEach(async () => { t = await edgeApp(); });
  afterEach(() => t.close());

  it('is answered without a Promise: no await between the request and its 429', async () => {
    const res = await t.request('POST', '/v1/orgs', { key: OPERATOR_TOKEN, body: { name: 'storm', plan: 'pro' } });
    const key = res.body.api_key as string;
    const get = () => t.app.fetch(new Request('http://local/v1/inboxes', { headers: { authorization: `Bearer ${key}` } }));
    // The first request verifies the key through the store (async); the next 39 spend the burst.
    for (let i = 0; i < rule.burst; i++) expect((await get()).status).toBe(200);
    const refused = get();
    // @hono/node-server writes a Response that is not a Promise in the same tick (no await, no close listener).
    expect(refused).toBeInstanceOf(Response);
    expect((refused as Response).status).toBe(429);
    expect((refused as Response).headers.get('retry-after')).toBe('1');
  });
});
