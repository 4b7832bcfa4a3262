import { path, type HttpClient, type RequestOptions } from '../http.ts';
import { Paginated } from '../pagination.ts';
import type { EventType, Page, Webhook, WebhookDelivery } from '../types.ts';

/** Body of `webhooks.create()`. */
export interface CreateWebhookParams {
  url: string;
  /** Empty or absent: every event type. */
  events?: EventType[];
  /** Empty or absent: every inbox, and org-wide events. */
  inbox_ids?: string[];
}

/**
 * Webhook endpoints (DESIGN §4). The secret (`whsec_…`) is in the create answer only: keep it
 * and check each delivery with `verifyWebhook`.
 */
export class Webhooks {
  constructor(private readonly http: HttpClient) {}

  /** Not retried after a lost answer: a second try would make a second endpoint with another secret. */
  create(params: CreateWebhookParams, options?: RequestOptions): Promise<Webhook> {
    return this.http.json({ method: 'POST', path: '/v1/webhooks', body: params, ...options });
  }

  list(params: { limit?: number; cursor?: string } = {}, options?: RequestOptions): Paginated<Webhook> {
    return new Paginated((cursor) => this.http.json<Page<Webhook>>({
      method: 'GET', path: '/v1/webhooks', query: { limit: params.limit, cursor: cursor ?? undefined }, ...options,
    }), params.cursor ?? null);
  }

  get(id: string, options?: RequestOptions): Promise<Webhook> {
    return this.http.json({ method: 'GET', path: path`/v1/webhooks/${id}`, ...options });
  }

  async remove(id: string, options?: RequestOptions): Promise<void> {
    await this.http.json({ method: 'DELETE', path: path`/v1/webhooks/${id}`, ...options });
  }

  enable(id: string, options?: RequestOptions): Promise<Webhook> {
    return this.http.json({ method: 'POST', path: path`/v1/webhooks/${id}/enable`, idempotent: true, ...options });
  }

  disable(id: string, options?: RequestOptions): Promise<Webhook> {
    return this.http.json({ method: 'POST', path: path`/v1/webhooks/${id}/disable`, idempotent: true, ...options });
  }

  /** Sends a `webhook.test` event to this endpoint only. */
  test(id: string, options?: RequestOptions): Promise<{ event_id: string; type: 'webhook.test' }> {
    return this.http.json({ method: 'POST', path: path`/v1/webhooks/${id}/test`, ...options });
  }

  /** The delivery log, newest first. */
  deliveries(id: string, params: { status?: WebhookDelivery['status']; limit?: number; cursor?: string } = {}, options?: RequestOptions): Paginated<WebhookDelivery> {
    return new Paginated((cursor) => this.http.json<Page<WebhookDelivery>>({
      method: 'GET', path: path`/v1/webhooks/${id}/deliveries`, query: { status: params.status, limit: params.limit, cursor: cursor ?? undefined }, ...options,
    }), params.cursor ?? null);
  }

  /** Attempts a delivery again now, under the same webhook-id; replaying twice is harmless. */
  replay(id: string, deliveryId: string, options?: RequestOptions): Promise<WebhookDelivery> {
    return this.http.json({ method: 'POST', path: path`/v1/webhooks/${id}/deliveries/${deliveryId}/replay`, idempotent: true, ...options });
  }
}
