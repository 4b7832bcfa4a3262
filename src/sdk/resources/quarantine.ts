import { path, type HttpClient, type RequestOptions } from '../http.ts';
import type { Lane, Page, QuarantineEntry } from '../types.ts';

/** Body of `quarantine.add()`. */
export interface AddQuarantineParams {
  kind: 'key' | 'inbox' | 'domain';
  /** A key id, an inbox id or a domain name. */
  target: string;
  lane: Lane;
  reason: string;
  /** Default 1 hour; null: until released. */
  ttl_seconds?: number | null;
}

/**
 * Quarantined keys, inboxes and domains (DESIGN §4). An org key sees and manages its own keys
 * and inboxes; the operator token (as `apiKey`) everything, domains included.
 */
export class Quarantine {
  constructor(private readonly http: HttpClient) {}

  /** Entries in force, newest first (one page: the list is short by nature). */
  async list(options?: RequestOptions): Promise<QuarantineEntry[]> {
    return (await this.http.json<Page<QuarantineEntry>>({ method: 'GET', path: '/v1/quarantine', ...options })).data;
  }

  add(params: AddQuarantineParams, options?: RequestOptions): Promise<QuarantineEntry> {
    return this.http.json({ method: 'POST', path: '/v1/quarantine', body: params, ...options });
  }

  /** Lifts an entry; answers it as it was. */
  release(id: string, options?: RequestOptions): Promise<QuarantineEntry> {
    return this.http.json({ method: 'DELETE', path: path`/v1/quarantine/${id}`, ...options });
  }
}
