/**
 * A Server-Sent Events reader over a fetch body (WHATWG HTML §9.2.6 "Interpreting an event
 * stream"), with an idle limit: the server sends a heartbeat comment every 15 s, so a connection
 * silent for much longer is dead even when no error surfaced (a NAT dropped it, a proxy hung).
 */

/** One dispatched event of the stream. */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  /** The reconnection time the server asked for, in milliseconds. */
  retry?: number;
}

/** The connection went quiet for longer than the idle limit. */
export class SseIdleError extends Error {
  constructor(ms: number) {
    super(`no data for ${ms} ms`);
    this.name = 'SseIdleError';
  }
}

/** Frames of `body` until it ends; throws SseIdleError after `idleMs` without a byte. */
export async function* readSse(body: ReadableStream<Uint8Array>, idleMs: number): AsyncGenerator<SseFrame> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let frame: SseFrame = {};
  let data: string[] | null = null;
  let first = true;
  try {
    for (;;) {
      const chunk = await readWithin(reader, idleMs);
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      if (first && buffer.length > 0) {
        if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1);
        first = false;
      }
      // Lines end in CRLF, LF or CR; a trailing CR may be the first half of a CRLF, so keep it.
      let m: RegExpExecArray | null;
      const eol = /\r\n|\n|\r(?=[^\n])/g;
      let start = 0;
      while ((m = eol.exec(buffer)) !== null) {
        const line = buffer.slice(start, m.index);
        start = m.index + m[0].length;
        if (line === '') {
          if (data !== null) frame.data = data.join('\n');
          if (frame.data !== undefined || frame.id !== undefined || frame.retry !== undefined) yield frame;
          frame = {};
          data = null;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') (data ??= []).push(value);
        else if (field === 'event') frame.event = value;
        // An id with NUL is ignored by the spec: it could not be sent back as Last-Event-ID.
        else if (field === 'id' && !value.includes('\0')) frame.id = value;
        else if (field === 'retry' && /^\d+$/.test(value)) frame.retry = Number(value);
      }
      buffer = buffer.slice(start);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

async function readWithin(reader: ReadableStreamDefaultReader<Uint8Array>, ms: number): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SseIdleError(ms)), ms);
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } finally {
    // Workers' clearTimeout takes no undefined.
    if (timer !== undefined) clearTimeout(timer);
  }
}
