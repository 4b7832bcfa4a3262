import { path, type HttpClient, type RequestOptions } from '../http.ts';
import { Paginated } from '../pagination.ts';
import type { AttachmentInput, Message, MessageStatus, MessageWithEvents, Page, ReplyParams, SendAccepted, SendParams } from '../types.ts';

/** Options of a send or reply. */
export interface SendOptions extends RequestOptions {
  /**
   * The request's identity for 24 h: the same key and body answer the first result and never
   * send twice. A fresh UUID per call by default, reused by the SDK's own retries; pass your own
   * to make retries across process restarts (a job queue's job id) safe too.
   */
  idempotencyKey?: string;
}

/** Filters and paging of `messages.list()`. */
export interface ListMessagesParams {
  direction?: 'inbound' | 'outbound';
  status?: MessageStatus;
  limit?: number;
  /** Newest first from this cursor (a `next_cursor`). */
  cursor?: string;
  /** Only messages newer than this message id, oldest first: how an agent consumes new mail. */
  after?: string;
}

/** Options of one long-poll, `messages.wait()`. */
export interface WaitParams {
  /** Messages newer than this id; the newest message of the inbox is a good start. */
  after?: string;
  /** Seconds the server holds the request while nothing is there (0–30, default 30). */
  wait?: number;
  direction?: 'inbound' | 'outbound';
  limit?: number;
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** The wire form of attachments: bytes become base64, as the API takes them. */
function wireBody<T extends { attachments?: AttachmentInput[] }>(params: T): T {
  if (!params.attachments) return params;
  return { ...params, attachments: params.attachments.map((a) => ({ ...a, content: typeof a.content === 'string' ? a.content : toBase64(a.content) })) };
}

/** Sending, replying and reading mail (DESIGN §4). */
export class Messages {
  constructor(private readonly http: HttpClient) {}

  /** Queues a message from an inbox; answers 202-style `{id, thread_id, status: "queued"}`. */
  send(inboxId: string, params: SendParams, options: SendOptions = {}): Promise<SendAccepted> {
    const { idempotencyKey = crypto.randomUUID(), ...rest } = options;
    return this.http.json({ method: 'POST', path: path`/v1/inboxes/${inboxId}/messages`, body: wireBody(params), idempotencyKey, ...rest });
  }

  /** Replies in the thread of `messageId` (In-Reply-To and References are set for you). */
  reply(messageId: string, params: ReplyParams, options: SendOptions = {}): Promise<SendAccepted> {
    const { idempotencyKey = crypto.randomUUID(), ...rest } = options;
    return this.http.json({ method: 'POST', path: path`/v1/messages/${messageId}/reply`, body: wireBody(params), idempotencyKey, ...rest });
  }

  /** Newest first, or with `after` oldest first from there; iterate it to walk every page. */
  list(inboxId: string, params: ListMessagesParams = {}, options?: RequestOptions): Paginated<Message> {
    const { after, cursor, ...filters } = params;
    // With `after`, the page's next_cursor is the next `after`: the walk stays oldest first.
    return new Paginated((c) => this.http.json<Page<Message>>({
      method: 'GET', path: path`/v1/inboxes/${inboxId}/messages`,
      query: { ...filters, ...(after !== undefined ? { after: c ?? undefined } : { cursor: c ?? undefined }) }, ...options,
    }), after ?? cursor ?? null);
  }

  /**
   * One long-poll: messages newer than `after`, oldest first, answered as soon as one arrives or
   * after `wait` seconds with an empty list.
   */
  async wait(inboxId: string, params: WaitParams = {}, options: RequestOptions = {}): Promise<Message[]> {
    const wait = Math.min(30, Math.max(0, Math.floor(params.wait ?? 30)));
    const page = await this.http.json<Page<Message>>({
      method: 'GET', path: path`/v1/inboxes/${inboxId}/messages`,
      query: { after: params.after, wait, direction: params.direction, limit: params.limit },
      ...options,
      // The server holds the request for `wait` seconds by design: that is not a timeout.
      timeoutMs: (options.timeoutMs ?? 30_000) + wait * 1000,
    });
    return page.data;
  }

  /** One message with its events, attachments and authentication verdicts. */
  get(id: string, options?: RequestOptions): Promise<MessageWithEvents> {
    return this.http.json({ method: 'GET', path: path`/v1/messages/${id}`, ...options });
  }

  /** The raw RFC 5322 bytes. */
  async raw(id: string, options?: RequestOptions): Promise<Uint8Array> {
    return (await this.http.bytes({ method: 'GET', path: path`/v1/messages/${id}/raw`, ...options })).bytes;
  }

  /** One attachment's bytes and content type. */
  async attachment(id: string, attachmentId: string, options?: RequestOptions): Promise<{ bytes: Uint8Array; contentType: string }> {
    const r = await this.http.bytes({ method: 'GET', path: path`/v1/messages/${id}/attachments/${attachmentId}`, ...options });
    return { bytes: r.bytes, contentType: r.headers.get('content-type') ?? 'application/octet-stream' };
  }
}
