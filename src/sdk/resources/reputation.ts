import { path, type HttpClient, type RequestOptions } from '../http.ts';
import type { Reputation as ReputationReport } from '../types.ts';

/** An inbox's sending reputation (DESIGN §4, §5). */
export class Reputation {
  constructor(private readonly http: HttpClient) {}

  /** Counts and rates over the window, the state and the outbound limit now. */
  get(inboxId: string, options?: RequestOptions): Promise<ReputationReport> {
    return this.http.json({ method: 'GET', path: path`/v1/inboxes/${inboxId}/reputation`, ...options });
  }

  /** Resumes a paused inbox (to `warning`); resuming twice is the same as once. */
  resume(inboxId: string, options?: RequestOptions): Promise<ReputationReport> {
    return this.http.json({ method: 'POST', path: path`/v1/inboxes/${inboxId}/reputation/resume`, idempotent: true, ...options });
  }
}
