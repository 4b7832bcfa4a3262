/**
 * Webhook endpoints as an org manages them: create (SSRF-checked, secret shown once), read,
 * enable and disable, delete, test, and the delivery log with replay. All need the org scope:
 * an endpoint receives the whole org's events, which an inbox-scoped key may not see.
 */
import { assertOrgScope, type KeyPrincipal } from '../auth/principal.ts';
import { WEBHOOK_QUEUE, topics, type CoreDeps } from '../context.ts';
import { announceEvents } from '../events/announce.ts';
import { TEST_EVENT } from '../events/event-types.ts';
import { BreakwaterError, notFound } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import type { EventType, OrgEvent, Page, WebhookDeliveryStatus, WebhookEndpoint } from '../model.ts';
import type { WebhookDeliveryLog } from '../ports.ts';
import { checkWebhookUrl } from './address-policy.ts';
import { requireSecretBox, secretContext } from '../secrets/secret-box.ts';
import { newWebhookSecret } from './signature.ts';

/** Every endpoint is looked up in the write transaction of every event: keep the list short. */
export const MAX_ENDPOINTS_PER_ORG = 20;

export interface CreateEndpointInput {
  url: string;
  events: EventType[];
  inboxIds: string[];
}

/** The host lookup for the SSRF check; without a resolver only IP literals pass. */
export function resolveHostWith(deps: CoreDeps): (host: string) => Promise<string[]> {
  const resolver = deps.resolver;
  return resolver ? (host) => resolver.resolveHost(host) : async () => [];
}

export async function createEndpoint(deps: CoreDeps, p: KeyPrincipal, input: CreateEndpointInput): Promise<WebhookEndpoint> {
  assertOrgScope(p, 'manage webhooks');
  if ((await deps.store.countWebhookEndpoints(p.orgId)) >= MAX_ENDPOINTS_PER_ORG) {
    throw new BreakwaterError('validation_failed', `an org has at most ${MAX_ENDPOINTS_PER_ORG} webhook endpoints`, {
      errors: [{ path: 'url', message: 'endpoint limit reached' }], rule: `webhook-endpoints ${MAX_ENDPOINTS_PER_ORG}/org`,
      fix: 'Delete an endpoint you no longer use, or filter one endpoint by event type instead of adding another.',
    });
  }
  for (const [i, id] of input.inboxIds.entries()) {
    if (!isId(id, 'inb') || !(await deps.store.getInbox(p.orgId, id))) {
      throw new BreakwaterError('validation_failed', `inbox ${id} not found`, { errors: [{ path: `inbox_ids.${i}`, message: 'unknown inbox' }] });
    }
  }
  const check = await checkWebhookUrl(input.url, resolveHostWith(deps), { allowPrivate: deps.settings.webhookAllowPrivate ?? false });
  if (!check.ok) {
    throw new BreakwaterError('validation_failed', `webhook URL refused: ${check.detail}`, {
      errors: [{ path: 'url', message: `${check.code}: ${check.detail}` }], rule: `webhook-url ${check.code}`,
      fix: 'Use an http(s) URL whose host resolves only to public addresses; loopback, private and metadata addresses are refused.',
    });
  }
  const now = deps.clock();
  const endpoint: WebhookEndpoint = {
    id: newId('whk', now), orgId: p.orgId, url: check.url.href, events: [...new Set(input.events)], inboxIds: [...new Set(input.inboxIds)],
    secret: newWebhookSecret(), enabled: true, disabledReason: null, firstFailureAt: null, createdAt: now, updatedAt: now,
  };
  // Stored sealed; the plain secret is in this answer only.
  const sealed = await requireSecretBox(deps.secrets).seal(endpoint.secret, secretContext('webhook', endpoint.id));
  await deps.store.insertWebhookEndpoint({ ...endpoint, secret: sealed });
  return endpoint;
}

export async function getEndpoint(deps: CoreDeps, p: KeyPrincipal, id: string): Promise<WebhookEndpoint> {
  assertOrgScope(p, 'manage webhooks');
  const endpoint = isId(id, 'whk') ? await deps.store.getWebhookEndpoint(p.orgId, id) : null;
  if (!endpoint) throw notFound('webhook');
  return endpoint;
}

export function listEndpoints(deps: CoreDeps, p: KeyPrincipal, cursor: string | null, limit: number): Promise<Page<WebhookEndpoint>> {
  assertOrgScope(p, 'manage webhooks');
  return deps.store.listWebhookEndpoints(p.orgId, { cursor, limit });
}

export async function deleteEndpoint(deps: CoreDeps, p: KeyPrincipal, id: string): Promise<void> {
  assertOrgScope(p, 'manage webhooks');
  if (!isId(id, 'whk') || !(await deps.store.deleteWebhookEndpoint(p.orgId, id))) throw notFound('webhook');
}

/** Enabling restarts the failure streak; disabling stops every pending delivery (replayable later). */
export async function setEndpointEnabled(deps: CoreDeps, p: KeyPrincipal, id: string, enabled: boolean): Promise<WebhookEndpoint> {
  assertOrgScope(p, 'manage webhooks');
  const endpoint = isId(id, 'whk')
    ? await deps.store.setWebhookEndpointEnabled(p.orgId, id, enabled, enabled ? null : 'disabled through the API', deps.clock())
    : null;
  if (!endpoint) throw notFound('webhook');
  return endpoint;
}

function assertEnabled(endpoint: WebhookEndpoint, action: string): void {
  if (!endpoint.enabled) {
    throw new BreakwaterError('conflict', `the endpoint is disabled (${endpoint.disabledReason ?? 'no reason recorded'}); cannot ${action}`, {
      fix: `Enable it first: POST /v1/webhooks/${endpoint.id}/enable.`,
    });
  }
}

/** Appends a `webhook.test` event that only this endpoint receives; resolves once it is committed. */
export async function sendTestEvent(deps: CoreDeps, p: KeyPrincipal, id: string): Promise<OrgEvent> {
  const endpoint = await getEndpoint(deps, p, id);
  assertEnabled(endpoint, 'send a test event');
  const [event] = await deps.store.appendEvents([{
    orgId: p.orgId, inboxId: null, type: TEST_EVENT, lane: 'control', createdAt: deps.clock(),
    data: { endpoint_id: endpoint.id, note: 'A test event sent on request through POST /v1/webhooks/{id}/test.' },
  }], { endpointId: endpoint.id });
  announceEvents(deps.notifier, [p.orgId]);
  return event!;
}

export async function listDeliveries(
  deps: CoreDeps, p: KeyPrincipal, id: string, q: { cursor: string | null; limit: number; status?: WebhookDeliveryStatus },
): Promise<Page<WebhookDeliveryLog>> {
  const endpoint = await getEndpoint(deps, p, id);
  return deps.store.listWebhookDeliveries(endpoint.id, { cursor: q.cursor, limit: q.limit, status: q.status });
}

/** A new attempt now, under the same webhook-id (the event id), whatever the delivery's state. */
export async function replayDelivery(deps: CoreDeps, p: KeyPrincipal, id: string, deliveryId: string): Promise<WebhookDeliveryLog> {
  return replayOnEndpoint(deps, await getEndpoint(deps, p, id), deliveryId);
}

/** Replays a delivery of an endpoint the caller already may act on (an org's own, or any for the operator). */
export async function replayOnEndpoint(deps: CoreDeps, endpoint: WebhookEndpoint, deliveryId: string): Promise<WebhookDeliveryLog> {
  if (!isId(deliveryId, 'del')) throw notFound('delivery');
  assertEnabled(endpoint, 'replay deliveries');
  const now = deps.clock();
  const result = await deps.store.replayWebhookDelivery(endpoint.id, deliveryId, {
    id: newId('job', now), queue: WEBHOOK_QUEUE, payload: { deliveryId }, runAt: now,
  });
  if (result === null) throw notFound('delivery');
  if (result === 'in_flight') {
    throw new BreakwaterError('conflict', 'an attempt of this delivery is running now', {
      retryAfterSeconds: 15, fix: 'Replay it again once the running attempt has ended (at most 15 s).',
    });
  }
  deps.notifier.publish(topics.queue(WEBHOOK_QUEUE));
  return result;
}
