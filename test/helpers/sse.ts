/** One Server-Sent Events frame as a client sees it (WHATWG HTML §9.2.6), comments kept. */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  retry?: number;
  comments: string[];
}

/** Reads frames off an event-stream body; `event()` skips comment-only frames (heartbeats). */
export class SseReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  readonly comments: string[] = [];

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  static of(body: ReadableStream<Uint8Array> | null): SseReader {
    if (!body) throw new Error('no body');
    return new SseReader(body.getReader());
  }

  /** The next frame, or null when the stream ended. Rejects when the stream errors or `timeoutMs` passes. */
  async frame(timeoutMs = 5000): Promise<SseFrame | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const raw = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        return parse(raw);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no SSE frame within ${timeoutMs} ms`)), Math.max(1, deadline - Date.now()));
      });
      const { done, value } = await Promise.race([this.reader.read(), timeout]).finally(() => clearTimeout(timer));
      if (done) return null;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** The next frame carrying an event (heartbeats and other comments are collected on the way). */
  async event(timeoutMs = 5000): Promise<SseFrame> {
    for (;;) {
      const f = await this.frame(timeoutMs);
      if (f === null) throw new Error('the stream ended');
      this.comments.push(...f.comments);
      if (f.id !== undefined || f.data !== undefined) return f;
    }
  }

  async events(n: number, timeoutMs = 5000): Promise<SseFrame[]> {
    const out: SseFrame[] = [];
    while (out.length < n) out.push(await this.event(timeoutMs));
    return out;
  }

  close(): Promise<void> {
    return this.reader.cancel().catch(() => {});
  }
}

function parse(raw: string): SseFrame {
  const frame: SseFrame = { comments: [] };
  for (const line of raw.split('\n')) {
    if (line.startsWith(':')) {
      frame.comments.push(line.slice(1).trim());
      continue;
    }
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
    else if (field === 'retry') frame.retry = Number(value);
  }
  return frame;
}
