/**
 * The ports: every effect core code needs, as small interfaces. Adapters live in
 * src/adapters/<port>/<impl>/ and are chosen by a runtime's composition root.
 */
import type {
  ApiKey, Attachment, AttachmentMeta, IdempotencyRecord, Inbox, Job, Message, MessageEvent, NewJob, Org, Page, Thread,
} from './model.ts';

/** Milliseconds since the epoch; injected so limiter and retry tests never sleep. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

export interface ListOptions {
  /** Opaque cursor from a previous page: the last id seen. */
  cursor?: string | null;
  limit: number;
}

export interface MessageListOptions extends ListOptions {
  direction?: 'inbound' | 'outbound';
  status?: string;
  /** Only messages newer than this id, oldest first; `cursor` is ignored. */
  after?: string | null;
}

/** A thread to create or to extend, resolved by the caller before the write. */
export type ThreadWrite =
  | { kind: 'new'; thread: Thread }
  | { kind: 'existing'; threadId: string; at: number };

export interface StoredMessage {
  message: Message;
  attachments: Attachment[];
  raw: Uint8Array;
  thread: ThreadWrite;
  events: MessageEvent[];
}

export interface OutboundWrite extends StoredMessage {
  job: NewJob;
  /** Saved in the same transaction, so a replay never sees a send that did not commit. */
  idempotency: IdempotencyRecord | null;
}

export type OutboundWriteResult =
  | { ok: true }
  /** Another request with this idempotency key committed first. */
  | { ok: false; existing: IdempotencyRecord };

export interface StatusChange {
  messageId: string;
  status: Message['status'];
  reason: string | null;
  event: MessageEvent;
}

/**
 * The primary database. Every method is one transaction; a method resolves once its writes
 * are durable (committed and synced). Faults (disk full, connection lost) reject; a business
 * outcome such as a duplicate is a value. Safe for concurrent calls.
 */
export interface Store {
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** A cheap query proving the store answers (readiness). */
  ping(): Promise<void>;

  createOrg(org: Org, firstKey: ApiKey): Promise<void>;
  getOrg(id: string): Promise<Org | null>;

  insertKey(key: ApiKey): Promise<void>;
  getKeyByHash(hash: string): Promise<ApiKey | null>;
  getKey(orgId: string, id: string): Promise<ApiKey | null>;
  listKeys(orgId: string, options: ListOptions): Promise<Page<ApiKey>>;
  revokeKey(orgId: string, id: string, at: number): Promise<ApiKey | null>;

  /** Resolves false when the address is taken. */
  insertInbox(inbox: Inbox): Promise<boolean>;
  getInbox(orgId: string, id: string): Promise<Inbox | null>;
  getInboxByAddress(address: string): Promise<Inbox | null>;
  listInboxes(orgId: string, options: ListOptions & { ids?: string[] }): Promise<Page<Inbox>>;
  countInboxes(orgId: string): Promise<number>;
  updateInbox(orgId: string, id: string, patch: { displayName?: string | null }): Promise<Inbox | null>;
  /** Deletes the inbox with its threads, messages and pending jobs. */
  deleteInbox(orgId: string, id: string): Promise<boolean>;

  createOutbound(write: OutboundWrite): Promise<OutboundWriteResult>;
  /** Stores inbound copies (one per recipient inbox) at once; skips copies already stored
   *  for the same inbox and Message-ID, so a retried delivery adds nothing. Returns those stored. */
  storeInbound(items: StoredMessage[], completeJobId?: string): Promise<Message[]>;
  getIdempotency(orgId: string, key: string): Promise<IdempotencyRecord | null>;
  purgeExpiredIdempotency(now: number): Promise<number>;

  /** The thread of this inbox holding any of these Message-IDs, newest match first. */
  findThreadByMessageIds(inboxId: string, messageIds: string[]): Promise<string | null>;
  getMessage(orgId: string, id: string): Promise<Message | null>;
  getMessageById(id: string): Promise<Message | null>;
  listMessages(inboxId: string, options: MessageListOptions): Promise<Page<Message>>;
  listAttachments(messageId: string): Promise<AttachmentMeta[]>;
  getAttachment(messageId: string, attachmentId: string): Promise<Attachment | null>;
  getRaw(messageId: string): Promise<Uint8Array | null>;
  listMessageEvents(messageId: string): Promise<MessageEvent[]>;
  setMessageStatus(change: StatusChange, completeJobId?: string): Promise<void>;

  getThread(orgId: string, id: string): Promise<Thread | null>;
  /** A thread's messages, oldest first. */
  listThreadMessages(threadId: string, limit: number): Promise<Message[]>;
  listThreads(orgId: string, options: ListOptions & { inboxId?: string; inboxIds?: string[] }): Promise<Page<Thread>>;
}

/**
 * A durable job queue. Claims are leases: a worker that dies gives its jobs back when the
 * lease expires. At-least-once; handlers must be idempotent.
 */
export interface Queue {
  enqueue(job: NewJob): Promise<void>;
  /** Leases up to `limit` due jobs of `queue` to `owner` until now + leaseMs. */
  claim(queue: string, owner: string, leaseMs: number, limit: number, now: number): Promise<Job[]>;
  complete(jobId: string, owner: string): Promise<void>;
  /** Gives the job back to run again at `runAt`, counting the failed attempt. */
  retry(jobId: string, owner: string, runAt: number, error: string): Promise<void>;
  /** Ends the job for good: it stays in the table, visible, with its error. */
  fail(jobId: string, owner: string, error: string): Promise<void>;
  /** Returns every lease of `owner` (graceful shutdown). */
  releaseAll(owner: string): Promise<number>;
  depth(queue: string, now: number): Promise<{ pending: number; oldestAgeMs: number | null }>;
}

export interface OutgoingMail {
  /** SMTP envelope; the return path is a VERP address. */
  from: string;
  to: string[];
  raw: Uint8Array;
}

export type SendOutcome =
  | { ok: true; response: string }
  /** permanent: a 5xx the relay will never accept; otherwise retry later. */
  | { ok: false; permanent: boolean; response: string };

/** Hands mail to the next hop. */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<SendOutcome>;
  close(): Promise<void>;
}

/** Wakes waiters on a topic (new message in an inbox, job enqueued). Best effort, in memory or Redis. */
export interface Notifier {
  publish(topic: string): void;
  /** Resolves true when the topic is published before `timeoutMs`, false on timeout or abort. */
  wait(topic: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}
