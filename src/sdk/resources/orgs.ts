import type { HttpClient, RequestOptions } from '../http.ts';
import type { CreatedOrg } from '../types.ts';

/** Orgs: operator only (construct the client with the operator token as `apiKey`). */
export class Orgs {
  constructor(private readonly http: HttpClient) {}

  /** Creates an org and its first org-scoped key (shown once). */
  create(params: { name: string; plan?: 'free' | 'pro' | 'unlimited' }, options?: RequestOptions): Promise<CreatedOrg> {
    return this.http.json({ method: 'POST', path: '/v1/orgs', body: params, ...options });
  }
}
