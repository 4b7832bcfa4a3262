import { path, type HttpClient, type RequestOptions } from '../http.ts';
import { Paginated } from '../pagination.ts';
import type { ApiKey, CreatedApiKey, Page } from '../types.ts';

/** Body of `keys.create()`. */
export interface CreateKeyParams {
  name?: string;
  /** `org` (everything in the org) or `inbox` (send and read only `inbox_ids`). */
  scopes?: Array<'org' | 'inbox'>;
  inbox_ids?: string[];
}

/** API keys of the org (DESIGN §4): the secret is in the create answer only. */
export class Keys {
  constructor(private readonly http: HttpClient) {}

  list(params: { limit?: number; cursor?: string } = {}, options?: RequestOptions): Paginated<ApiKey> {
    return new Paginated((cursor) => this.http.json<Page<ApiKey>>({
      method: 'GET', path: '/v1/keys', query: { limit: params.limit, cursor: cursor ?? undefined }, ...options,
    }), params.cursor ?? null);
  }

  /** Not retried after a lost answer: a second try would make a second key. */
  create(params: CreateKeyParams = {}, options?: RequestOptions): Promise<CreatedApiKey> {
    return this.http.json({ method: 'POST', path: '/v1/keys', body: params, ...options });
  }

  /** Revokes at once on every node; answers the revoked key. */
  revoke(id: string, options?: RequestOptions): Promise<ApiKey> {
    return this.http.json({ method: 'DELETE', path: path`/v1/keys/${id}`, ...options });
  }
}
