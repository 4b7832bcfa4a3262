/**
 * Server-Sent Events over the event log (WHATWG HTML §9.2). The stream tails the log from a
 * cursor: read what is after it, send it, wait for a wake-up (or the heartbeat), read again.
 * The log is the only source, so a resumed stream (Last-Event-ID) replays exactly what was
 * missed and then goes live with no gap and no duplicate. Web streams only: runs on Workers.
 */
import type { OrgEvent } from '../core/model.ts';

export interface SseSettings {
  /** A comment line after this much silence, so proxies keep the connection open (default 15 s). */
  heartbeatMs?: number;
  /** A consumer that takes nothing for this long while its buffer is full is cut off (default 10 s). */
  stallMs?: number;
  /** Bytes queued for one consumer before the stream stops reading the log for it (default 64 KiB). */
  bufferBytes?: number;
  /** Aborted at shutdown: every stream ends, so the server can close. */
  shutdown?: AbortSignal;
}

/** Where a stream reads from: the log after a cursor, and a wake-up when new events commit. */
export interface LogTail {
  /** The next events after `after`, oldest first (at most one batch). */
  read(after: string | null): Promise<OrgEvent[]>;
  /** Resolves true on a wake-up, false after `timeoutMs` or on abort. */
  wait(timeoutMs: number, signal: AbortSignal): Promise<boolean>;
}

export interface EventStreamOptions {
  tail: LogTail;
  /** Resume point (exclusive); null streams the log from its start. */
  after: string | null;
  /** The SSE frame of one event: `id:`, `event:`, `data:` lines and a blank line. */
  frame: (event: OrgEvent) => string;
  settings?: SseSettings;
  /** The request's signal: the client went away. */
  signal?: AbortSignal;
  /** Events read per query; one full batch means "read again at once". */
  batch: number;
}

const encoder = new TextEncoder();

/** The body of a `text/event-stream` response. Memory per stream stays under `bufferBytes` plus one event. */
export function eventStream(o: EventStreamOptions): ReadableStream<Uint8Array> {
  const heartbeatMs = o.settings?.heartbeatMs ?? 15_000;
  const stallMs = o.settings?.stallMs ?? 10_000;
  const stop = new AbortController();
  for (const s of [o.signal, o.settings?.shutdown]) {
    if (s?.aborted) stop.abort();
    else s?.addEventListener('abort', () => stop.abort(), { once: true });
  }
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let onRoom: (() => void) | null = null;

  /** Waits until the consumer has drained below the mark; false when it stalls past `stallMs`. */
  const room = (): Promise<boolean> => {
    if ((controller.desiredSize ?? 0) > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        stop.signal.removeEventListener('abort', aborted);
        onRoom = null;
        resolve(ok);
      };
      const aborted = () => done(false);
      const timer = setTimeout(() => done(false), stallMs);
      stop.signal.addEventListener('abort', aborted, { once: true });
      onRoom = () => done(true);
    });
  };

  const send = async (text: string): Promise<boolean> => {
    if (!(await room()) || stop.signal.aborted) return false;
    controller.enqueue(encoder.encode(text));
    return true;
  };

  const end = (how: 'close' | Error) => {
    stop.abort();
    try {
      // error() drops what is queued: a stalled consumer's buffer is freed at once.
      if (how === 'close') controller.close();
      else controller.error(how);
    } catch {
      // Already cancelled by the consumer.
    }
  };

  const pump = async (): Promise<void> => {
    let cursor = o.after;
    while (!stop.signal.aborted) {
      const wake = new AbortController();
      const relay = () => wake.abort();
      stop.signal.addEventListener('abort', relay, { once: true });
      // Listen before reading: an event committed during the read wakes this wait, so none is missed.
      const woken = o.tail.wait(heartbeatMs, wake.signal);
      try {
        const events = await o.tail.read(cursor);
        for (const event of events) {
          if (!(await send(o.frame(event)))) return end(stop.signal.aborted ? 'close' : new Error('event stream consumer too slow'));
          cursor = event.id;
        }
        if (events.length >= o.batch) {
          wake.abort();
          continue;
        }
        const got = await woken;
        if (!got && !stop.signal.aborted && !(await send(': heartbeat\n\n'))) {
          return end(stop.signal.aborted ? 'close' : new Error('event stream consumer too slow'));
        }
      } finally {
        wake.abort();
        stop.signal.removeEventListener('abort', relay);
      }
    }
    end('close');
  };

  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      // Sent at once so the headers flush; `retry` is the reconnection delay for EventSource clients.
      c.enqueue(encoder.encode('retry: 2000\n: connected\n\n'));
      void pump().catch((err: unknown) => end(err instanceof Error ? err : new Error(String(err))));
    },
    pull() {
      onRoom?.();
    },
    cancel() {
      stop.abort();
    },
  }, { highWaterMark: o.settings?.bufferBytes ?? 64 * 1024, size: (chunk) => chunk.byteLength });
}

/** One event as an SSE frame. JSON has no raw line breaks, so `data` is one line. */
export function sseFrame(id: string, type: string, json: string): string {
  return `id: ${id}\nevent: ${type}\ndata: ${json}\n\n`;
}
