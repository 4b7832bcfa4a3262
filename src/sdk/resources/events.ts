import { BreakwaterError } from '../errors.ts';
import type { HttpClient, RequestOptions } from '../http.ts';
import { Paginated } from '../pagination.ts';
import { backoffMs, isRetryable } from '../retry.ts';
import { readSse } from '../sse.ts';
import type { BreakwaterEvent, EventType, Page } from '../types.ts';

/** Narrows the log: event types (any of), one inbox. */
export interface EventFilter {
  types?: EventType[];
  inbox_id?: string;
}

/** What a stream is doing, for a progress line: connected, or waiting to reconnect. */
export type StreamState = { state: 'open' } | { state: 'reconnecting'; delayMs: number; error: unknown };

/** Options of `events.stream()`. */
export interface StreamParams extends EventFilter {
  /** Resume after this event id: the missed events come first. Without it the stream starts now. */
  lastEventId?: string;
  /** Stops the stream; the loop then ends without an error. */
  signal?: AbortSignal;
  /** Reconnect after a drop, resuming from the last event seen (default true). */
  reconnect?: boolean;
  /** No byte for this long means a dead connection (default 45 s: three missed heartbeats). */
  idleMs?: number;
  onState?: (state: StreamState) => void;
}

/**
 * The live event stream as an async iterable. Each event is yielded once: after a drop the
 * stream reconnects with Last-Event-ID set to the last event yielded, and the server replays
 * exactly what was missed. `lastEventId` is where a later stream should resume.
 */
export class EventStream implements AsyncIterable<BreakwaterEvent> {
  lastEventId: string | null;

  constructor(private readonly http: HttpClient, private readonly params: StreamParams) {
    this.lastEventId = params.lastEventId ?? null;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<BreakwaterEvent> {
    const p = this.params;
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    if (p.signal?.aborted) return;
    p.signal?.addEventListener('abort', onAbort, { once: true });
    let failures = 0;
    try {
      while (!stop.signal.aborted) {
        let error: unknown;
        try {
          const res = await this.http.stream({
            method: 'GET', path: '/v1/events/stream', query: { types: p.types, inbox_id: p.inbox_id },
            headers: this.lastEventId ? { 'last-event-id': this.lastEventId } : {}, signal: stop.signal, timeoutMs: 30_000,
          });
          p.onState?.({ state: 'open' });
          for await (const frame of readSse(res.body!, p.idleMs ?? 45_000)) {
            if (frame.data === undefined) continue;
            const event = JSON.parse(frame.data) as BreakwaterEvent;
            this.lastEventId = frame.id ?? event.id;
            failures = 0;
            yield event;
          }
        } catch (err) {
          if (stop.signal.aborted) return;
          // A refusal that waiting cannot fix (bad key, unknown inbox, bad filter) ends the stream.
          if (err instanceof BreakwaterError && err.status !== 0 && !isRetryable({ status: err.status, code: err.code }, true)) throw err;
          error = err;
        }
        if (p.reconnect === false) {
          if (error) throw error;
          return;
        }
        // A clean end (server restart, shutdown) reconnects at once the first time.
        const delayMs = error === undefined && failures === 0 ? 0 : backoffMs(this.http.policy, Math.min(failures, 6), undefined);
        failures++;
        p.onState?.({ state: 'reconnecting', delayMs, error });
        try {
          await this.http.sleep(delayMs, stop.signal);
        } catch {
          return;
        }
      }
    } finally {
      p.signal?.removeEventListener('abort', onAbort);
      stop.abort();
    }
  }
}

/** The org's event log (DESIGN §4): paged, oldest first after a cursor, or live. */
export class Events {
  constructor(private readonly http: HttpClient) {}

  /**
   * Events after `cursor` (the id of the last one you processed), oldest first: iterate it to
   * catch up on everything, then keep the last id for next time.
   */
  list(params: EventFilter & { cursor?: string; limit?: number } = {}, options?: RequestOptions): Paginated<BreakwaterEvent> {
    return new Paginated((cursor) => this.http.json<Page<BreakwaterEvent>>({
      method: 'GET', path: '/v1/events', query: { types: params.types, inbox_id: params.inbox_id, limit: params.limit, cursor: cursor ?? undefined }, ...options,
    }), params.cursor ?? null);
  }

  /** The log live over Server-Sent Events, resuming across drops; see {@link EventStream}. */
  stream(params: StreamParams = {}): EventStream {
    return new EventStream(this.http, params);
  }
}
