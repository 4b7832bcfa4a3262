import { path, type HttpClient, type RequestOptions } from '../http.ts';
import { Paginated } from '../pagination.ts';
import type { Domain, Page } from '../types.ts';

/** Custom domains and their DNS records (DESIGN §4); the default domain is listed first, read-only. */
export class Domains {
  constructor(private readonly http: HttpClient) {}

  list(params: { limit?: number; cursor?: string } = {}, options?: RequestOptions): Paginated<Domain> {
    return new Paginated((cursor) => this.http.json<Page<Domain>>({
      method: 'GET', path: '/v1/domains', query: { limit: params.limit, cursor: cursor ?? undefined }, ...options,
    }), params.cursor ?? null);
  }

  /** Adds a domain; the answer holds the MX, SPF, DKIM and DMARC records to publish. */
  create(params: { name: string }, options?: RequestOptions): Promise<Domain> {
    return this.http.json({ method: 'POST', path: '/v1/domains', body: params, ...options });
  }

  get(id: string, options?: RequestOptions): Promise<Domain> {
    return this.http.json({ method: 'GET', path: path`/v1/domains/${id}`, ...options });
  }

  /** Checks every record in DNS now; a read of the world, safe to repeat. */
  verify(id: string, options?: RequestOptions): Promise<Domain> {
    return this.http.json({ method: 'POST', path: path`/v1/domains/${id}/verify`, idempotent: true, ...options });
  }
}
