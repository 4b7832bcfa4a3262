import { path, type HttpClient, type RequestOptions } from '../http.ts';
import { Paginated } from '../pagination.ts';
import type { Page, Thread, ThreadWithMessages } from '../types.ts';

/** Conversations (DESIGN §4). */
export class Threads {
  constructor(private readonly http: HttpClient) {}

  /** Newest first; `inbox_id` narrows to one inbox. */
  list(params: { inbox_id?: string; limit?: number; cursor?: string } = {}, options?: RequestOptions): Paginated<Thread> {
    return new Paginated((cursor) => this.http.json<Page<Thread>>({
      method: 'GET', path: '/v1/threads', query: { inbox_id: params.inbox_id, limit: params.limit, cursor: cursor ?? undefined }, ...options,
    }), params.cursor ?? null);
  }

  /** A thread with its messages, oldest first. */
  get(id: string, options?: RequestOptions): Promise<ThreadWithMessages> {
    return this.http.json({ method: 'GET', path: path`/v1/threads/${id}`, ...options });
  }
}
