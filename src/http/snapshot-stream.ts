/**
 * A Server-Sent Events body that sends a fresh snapshot every period until the client leaves or
 * the server shuts down. A client that does not read skips snapshots instead of queueing them:
 * memory per stream stays at one frame, and the next frame it reads is current anyway.
 */
export interface SnapshotStreamOptions {
  periodMs: number;
  /** The JSON of one snapshot; a failure skips the frame. */
  snapshot: () => Promise<string>;
  /** Any of these aborting ends the stream (the request's signal, the shutdown signal). */
  signals: Array<AbortSignal | undefined>;
  /** SSE event name (default `snapshot`). */
  event?: string;
}

const encoder = new TextEncoder();

/** The `text/event-stream` body: `retry`, then one `snapshot` event per period. */
export function snapshotStream(o: SnapshotStreamOptions): ReadableStream<Uint8Array> {
  let timer: ReturnType<typeof setInterval> | undefined;
  let busy = false;
  let closed = false;
  const stop = () => {
    closed = true;
    if (timer !== undefined) clearInterval(timer);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const end = () => {
        if (closed) return;
        stop();
        try {
          controller.close();
        } catch {
          // Already cancelled by the client.
        }
      };
      for (const s of o.signals) {
        if (s?.aborted) return end();
        s?.addEventListener('abort', end, { once: true });
      }
      const tick = async () => {
        // One frame at a time, and none for a client whose buffer is still full.
        if (busy || closed || (controller.desiredSize ?? 0) <= 0) return;
        busy = true;
        try {
          const json = await o.snapshot();
          if (!closed) controller.enqueue(encoder.encode(`event: ${o.event ?? 'snapshot'}\ndata: ${json}\n\n`));
        } catch {
          // A failed snapshot (store slow, shutting down) is skipped; the next tick tries again.
        } finally {
          busy = false;
        }
      };
      controller.enqueue(encoder.encode('retry: 2000\n: connected\n\n'));
      void tick();
      timer = setInterval(() => void tick(), o.periodMs);
    },
    cancel() {
      stop();
    },
  }, { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength });
}
