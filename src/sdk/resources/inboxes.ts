import { path, type HttpClient, type RequestOptions } from '../http.ts';
import { Paginated } from '../pagination.ts';
import type { Inbox, Page } from '../types.ts';

/** Body of `inboxes.create()`. */
export interface CreateInboxParams {
  /** Local part; a random one when omitted. */
  username?: string;
  /** A verified domain of the org; the default domain when omitted. */
  domain?: string;
  display_name?: string | null;
}

/** Paging of a list: page size (1–100) and where to start. */
export interface ListParams {
  limit?: number;
  cursor?: string;
}

/** Inboxes: an agent's email identities (DESIGN §4). */
export class Inboxes {
  constructor(private readonly http: HttpClient) {}

  /** Creates an identity. Not retried after a lost answer: a second try could make a second inbox. */
  create(params: CreateInboxParams = {}, options?: RequestOptions): Promise<Inbox> {
    return this.http.json({ method: 'POST', path: '/v1/inboxes', body: params, ...options });
  }

  /** Newest first. */
  list(params: ListParams = {}, options?: RequestOptions): Paginated<Inbox> {
    return new Paginated((cursor) => this.http.json<Page<Inbox>>({
      method: 'GET', path: '/v1/inboxes', query: { limit: params.limit, cursor: cursor ?? undefined }, ...options,
    }), params.cursor ?? null);
  }

  get(id: string, options?: RequestOptions): Promise<Inbox> {
    return this.http.json({ method: 'GET', path: path`/v1/inboxes/${id}`, ...options });
  }

  /** Setting a field to the same value twice changes nothing, so this is safe to retry. */
  update(id: string, params: { display_name?: string | null }, options?: RequestOptions): Promise<Inbox> {
    return this.http.json({ method: 'PATCH', path: path`/v1/inboxes/${id}`, body: params, idempotent: true, ...options });
  }

  /** Deletes the inbox and its mail. */
  async remove(id: string, options?: RequestOptions): Promise<void> {
    await this.http.json({ method: 'DELETE', path: path`/v1/inboxes/${id}`, ...options });
  }
}
