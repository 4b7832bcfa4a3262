import { path, type HttpClient, type RequestOptions } from '../http.ts';
import { Paginated } from '../pagination.ts';
import type { Page, Suppression, SuppressionReason } from '../types.ts';

/** Addresses the org does not send to (DESIGN §4); bounces and complaints add to it on their own. */
export class Suppressions {
  constructor(private readonly http: HttpClient) {}

  list(params: { limit?: number; cursor?: string } = {}, options?: RequestOptions): Paginated<Suppression> {
    return new Paginated((cursor) => this.http.json<Page<Suppression>>({
      method: 'GET', path: '/v1/suppressions', query: { limit: params.limit, cursor: cursor ?? undefined }, ...options,
    }), params.cursor ?? null);
  }

  /** Adds or replaces the entry for `address`: the same call twice leaves one entry, so it is retried. */
  add(params: { address: string; reason?: SuppressionReason; ttl_seconds?: number | null }, options?: RequestOptions): Promise<Suppression> {
    return this.http.json({ method: 'POST', path: '/v1/suppressions', body: params, idempotent: true, ...options });
  }

  /** Send to the address again. */
  async remove(address: string, options?: RequestOptions): Promise<void> {
    await this.http.json({ method: 'DELETE', path: path`/v1/suppressions/${address}`, ...options });
  }
}
