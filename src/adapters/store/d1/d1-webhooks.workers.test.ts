import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { WEBHOOK_QUEUE } from '../../../core/context.ts';
import { newId } from '../../../core/ids.ts';
import type { NewOrgEvent, WebhookEndpoint } from '../../../core/model.ts';
import { makeJob, makeKey, makeOrg, T0 } from '../store-contract-fixtures.ts';
import { D1Store } from './d1-store.ts';

// The webhook writes whose bodies once read their own writes: on D1 they must answer from reads
// made before the batch. (The store contract covers messages and the queue; these are here.)

async function setup() {
  const store = new D1Store(env.DB);
  await store.migrate();
  const org = makeOrg();
  await store.createOrg(org, makeKey(org.id));
  const endpoint = (url: string): WebhookEndpoint => ({
    id: newId('whk', T0), orgId: org.id, url, events: [], inboxIds: [], secret: 'whsec_x', enabled: true, disabledReason: null,
    firstFailureAt: null, createdAt: T0, updatedAt: T0,
  });
  const [failing, healthy] = [endpoint('https://a.example/hook'), endpoint('https://b.example/hook')];
  for (const e of [failing, healthy]) await store.insertWebhookEndpoint(e);
  const event = (type: NewOrgEvent['type'], at = T0): NewOrgEvent => ({ orgId: org.id, inboxId: null, type, lane: 'control', data: { at }, createdAt: at });
  return { store, org, failing, healthy, event };
}

it('disables an endpoint once, and sends its event to the other endpoints only', async () => {
  const { store, org, failing, healthy, event } = await setup();
  await store.appendEvents([event('quarantine.added'), event('quarantine.removed')]);
  const deliveries = (await store.listWebhookDeliveries(failing.id, { limit: 10 })).data;
  expect(deliveries).toHaveLength(2);
  // Two deliveries failing for good at once, each asking to disable the endpoint.
  const disable = (d: (typeof deliveries)[number], at: number) => store.recordWebhookAttempt({
    deliveryId: d.id, endpointId: failing.id, jobId: d.jobId, at, status: 'failed', nextAttemptAt: null,
    attempt: { deliveryId: d.id, attempt: 1, statusCode: 410, durationMs: 5, error: 'gone', at, nextAttemptAt: null },
    endpoint: { disable: 'the endpoint answered 410' }, event: event('webhook.endpoint_disabled', at),
  });
  await Promise.all(deliveries.map((d, i) => disable(d, T0 + 1 + i)));
  expect(await store.getWebhookEndpoint(org.id, failing.id)).toMatchObject({ enabled: false, disabledReason: 'the endpoint answered 410' });
  expect((await store.listEvents(org.id, { after: null, limit: 10, types: ['webhook.endpoint_disabled'] })).data).toHaveLength(1);
  const toHealthy = (await store.listWebhookDeliveries(healthy.id, { limit: 10 })).data.map((d) => d.eventType).sort();
  expect(toHealthy).toEqual(['quarantine.added', 'quarantine.removed', 'webhook.endpoint_disabled']);
  const toFailing = (await store.listWebhookDeliveries(failing.id, { limit: 10 })).data;
  expect(toFailing.map((d) => [d.eventType, d.status, d.attemptLog.length]).sort()).toEqual([['quarantine.added', 'failed', 1], ['quarantine.removed', 'failed', 1]]);
});

it('replays a delivery under a new job, answering it as written; refuses while in flight', async () => {
  const { store, healthy, event } = await setup();
  await store.appendEvents([event('quarantine.added')]);
  const delivery = (await store.listWebhookDeliveries(healthy.id, { limit: 10 })).data[0]!;
  const [leased] = await store.claim(WEBHOOK_QUEUE, 'w', 30_000, 1000, T0);
  expect(leased).toBeDefined();
  expect(await store.replayWebhookDelivery(healthy.id, delivery.id, makeJob(WEBHOOK_QUEUE, T0 + 5))).toBe('in_flight');
  await store.complete(delivery.jobId, 'w');
  const job = makeJob(WEBHOOK_QUEUE, T0 + 10);
  const replayed = await store.replayWebhookDelivery(healthy.id, delivery.id, job);
  expect(replayed).toEqual({ ...delivery, status: 'pending', jobId: job.id, nextAttemptAt: T0 + 10, updatedAt: T0 + 10 });
  expect(await store.getWebhookDelivery(healthy.id, delivery.id)).toEqual(replayed);
  expect(await store.replayWebhookDelivery(healthy.id, newId('del'), job)).toBeNull();
});

it('deletes an endpoint once, ending its pending jobs', async () => {
  const { store, org, failing, event } = await setup();
  await store.appendEvents([event('quarantine.added')]);
  const delivery = (await store.listWebhookDeliveries(failing.id, { limit: 10 })).data[0]!;
  expect(await store.deleteWebhookEndpoint(org.id, failing.id)).toBe(true);
  expect(await store.deleteWebhookEndpoint(org.id, failing.id)).toBe(false);
  expect(await store.getWebhookDelivery(failing.id, delivery.id)).toBeNull();
  const job = await store.db.selectFrom('jobs').select('status').where('id', '=', delivery.jobId).executeTakeFirst();
  expect(job?.status).toBe('done');
});
