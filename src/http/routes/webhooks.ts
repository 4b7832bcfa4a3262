import {
  createEndpoint, deleteEndpoint, getEndpoint, listDeliveries, listEndpoints, replayDelivery, sendTestEvent, setEndpointEnabled,
} from '../../core/webhooks/endpoint-service.ts';
import { defineRoute, keyOf } from '../policy.ts';
import { listOf, Problem } from '../schemas.ts';
import {
  CreateWebhookBody, DeliveryJson, DeliveryListQuery, deliveryJson, WebhookJson, webhookJson, WebhookListQuery,
} from '../webhook-shapes.ts';
import { z } from 'zod';
import { pageAnswer } from '../serialize.ts';

const notFound = { description: 'Unknown webhook, or one of another org', schema: Problem };

/** Webhook endpoints (DESIGN §4): management calls, so the control lane; all need an org-scoped key. */
export const webhookRoutes = [
  defineRoute({
    method: 'POST', path: '/v1/webhooks', operationId: 'createWebhook', tag: 'Webhooks',
    summary: 'Create a webhook endpoint; its secret (whsec_…) is in this answer only. The URL must resolve to public addresses',
    auth: 'key', inboxKeys: 'refused', lane: 'control', body: CreateWebhookBody,
    responses: {
      201: { description: 'Created, with its signing secret (shown once)', schema: WebhookJson },
      403: { description: 'Inbox-scoped keys cannot manage webhooks', schema: Problem },
      422: { description: 'Invalid body, or a URL refused by the SSRF guard', schema: Problem },
    },
    handler: async (ctx) => {
      const b = ctx.body;
      const endpoint = await createEndpoint(ctx.deps, keyOf(ctx), { url: b.url, events: b.events, inboxIds: b.inbox_ids });
      return { status: 201, body: webhookJson(endpoint, true) };
    },
  }),
  defineRoute({
    method: 'GET', path: '/v1/webhooks', operationId: 'listWebhooks', summary: 'List webhook endpoints, newest first', tag: 'Webhooks',
    auth: 'key', inboxKeys: 'refused', lane: 'control', query: WebhookListQuery,
    responses: { 200: { description: 'Endpoints (without secrets)', schema: listOf(WebhookJson) } },
    handler: async (ctx) => {
      const page = await listEndpoints(ctx.deps, keyOf(ctx), ctx.query.cursor ?? null, ctx.query.limit);
      return pageAnswer(page, (e) => webhookJson(e));
    },
  }),
  defineRoute({
    method: 'GET', path: '/v1/webhooks/:id', operationId: 'getWebhook', summary: 'Get a webhook endpoint', tag: 'Webhooks',
    auth: 'key', inboxKeys: 'refused', lane: 'control',
    responses: { 200: { description: 'The endpoint (without its secret)', schema: WebhookJson }, 404: notFound },
    handler: async (ctx) => ({ status: 200, body: webhookJson(await getEndpoint(ctx.deps, keyOf(ctx), ctx.params.id!)) }),
  }),
  defineRoute({
    method: 'DELETE', path: '/v1/webhooks/:id', operationId: 'deleteWebhook', summary: 'Delete a webhook endpoint and its delivery log', tag: 'Webhooks',
    auth: 'key', inboxKeys: 'refused', lane: 'control',
    responses: { 204: { description: 'Deleted; pending deliveries are dropped' }, 404: notFound },
    handler: async (ctx) => {
      await deleteEndpoint(ctx.deps, keyOf(ctx), ctx.params.id!);
      return { status: 204, body: null };
    },
  }),
  defineRoute({
    method: 'POST', path: '/v1/webhooks/:id/enable', operationId: 'enableWebhook', summary: 'Enable an endpoint (restarts its failure streak)', tag: 'Webhooks',
    auth: 'key', inboxKeys: 'refused', lane: 'control',
    responses: { 200: { description: 'The endpoint', schema: WebhookJson }, 404: notFound },
    handler: async (ctx) => ({ status: 200, body: webhookJson(await setEndpointEnabled(ctx.deps, keyOf(ctx), ctx.params.id!, true)) }),
  }),
  defineRoute({
    method: 'POST', path: '/v1/webhooks/:id/disable', operationId: 'disableWebhook', summary: 'Disable an endpoint: pending deliveries stop (replayable later)', tag: 'Webhooks',
    auth: 'key', inboxKeys: 'refused', lane: 'control',
    responses: { 200: { description: 'The endpoint', schema: WebhookJson }, 404: notFound },
    handler: async (ctx) => ({ status: 200, body: webhookJson(await setEndpointEnabled(ctx.deps, keyOf(ctx), ctx.params.id!, false)) }),
  }),
  defineRoute({
    method: 'POST', path: '/v1/webhooks/:id/test', operationId: 'testWebhook', summary: 'Send a webhook.test event to this endpoint only', tag: 'Webhooks',
    auth: 'key', inboxKeys: 'refused', lane: 'control',
    responses: {
      202: { description: 'The test event is committed and on its way', schema: z.object({ event_id: z.string(), type: z.literal('webhook.test') }) },
      404: notFound, 409: { description: 'The endpoint is disabled', schema: Problem },
    },
    handler: async (ctx) => {
      const event = await sendTestEvent(ctx.deps, keyOf(ctx), ctx.params.id!);
      return { status: 202, body: { event_id: event.id, type: event.type } };
    },
  }),
  defineRoute({
    method: 'GET', path: '/v1/webhooks/:id/deliveries', operationId: 'listWebhookDeliveries', tag: 'Webhooks',
    summary: 'The delivery log, newest first: each attempt with status code, duration, error and next attempt',
    auth: 'key', inboxKeys: 'refused', lane: 'control', query: DeliveryListQuery,
    responses: { 200: { description: 'Deliveries', schema: listOf(DeliveryJson) }, 404: notFound },
    handler: async (ctx) => {
      const q = ctx.query;
      const page = await listDeliveries(ctx.deps, keyOf(ctx), ctx.params.id!, { cursor: q.cursor ?? null, limit: q.limit, status: q.status });
      return pageAnswer(page, deliveryJson);
    },
  }),
  defineRoute({
    method: 'POST', path: '/v1/webhooks/:id/deliveries/:did/replay', operationId: 'replayWebhookDelivery', tag: 'Webhooks',
    summary: 'Attempt a delivery again now, under the same webhook-id (dead-lettered ones included)',
    auth: 'key', inboxKeys: 'refused', lane: 'control',
    responses: {
      202: { description: 'Due now', schema: DeliveryJson }, 404: { description: 'Unknown webhook or delivery', schema: Problem },
      409: { description: 'The endpoint is disabled, or an attempt is running', schema: Problem },
    },
    handler: async (ctx) => ({ status: 202, body: deliveryJson(await replayDelivery(ctx.deps, keyOf(ctx), ctx.params.id!, ctx.params.did!)) }),
  }),
];
