/**
 * The ports: every effect core code needs, as small interfaces. Adapters live in
 * src/adapters/<port>/<impl>/ and are chosen by a runtime's composition root.
 */
import type {
  ApiKey, Attachment, AttachmentMeta, IdempotencyRecord, Inbox, Job, Message, MessageEvent, NewJob, NewOrgEvent, Org, OrgEvent, Page, Thread,
  WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint,
} from './model.ts';
import type { SecretKind } from './secrets/secret-box.ts';

export type { MxRecord, Resolver } from './webhooks/resolver.ts';
export type { DeliverabilityStore } from './deliverability.ts';
export type { MailAuthenticator, MailAuthInput } from './inbound/verdicts.ts';
export type { ListStore } from './inbound/lists.ts';

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
  /** Recipients to remember as mailed by the inbox (warm-up counts the new ones), in the same transaction. */
  recipients?: string[];
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

/** A secret at rest as stored: its row's id and its value (an envelope, or legacy plaintext). */
export interface StoredSecret {
  id: string;
  value: string;
}

/**
 * Secrets at rest by kind (webhook endpoint secrets, DKIM private keys), for the start-time
 * pass that seals them under the current key (src/core/secrets/reseal.ts).
 */
export interface SecretStore {
  /** Up to `limit` secrets of `kind` whose value does not start with `prefix`, by id after `after`. */
  listStaleSecrets(kind: SecretKind, prefix: string, after: string | null, limit: number): Promise<StoredSecret[]>;
  /** Replaces a secret only if it still holds `from`; resolves false when another writer changed it first. */
  replaceSecret(kind: SecretKind, id: string, from: string, to: string): Promise<boolean>;
}

/**
 * The primary database. Every method is one transaction; a method resolves once its writes
 * are durable (committed and synced). Faults (disk full, connection lost) reject; a business
 * outcome such as a duplicate is a value. Safe for concurrent calls.
 */
export interface Store extends SecretStore {
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
  /** The org owning a key or inbox id, or null when there is none. */
  ownerOrgOf(kind: 'key' | 'inbox', id: string): Promise<string | null>;
  getInboxByAddress(address: string): Promise<Inbox | null>;
  listInboxes(orgId: string, options: ListOptions & { ids?: string[] }): Promise<Page<Inbox>>;
  countInboxes(orgId: string): Promise<number>;
  updateInbox(orgId: string, id: string, patch: { displayName?: string | null }): Promise<Inbox | null>;
  /** Deletes the inbox with its threads and messages; their pending jobs find nothing and end. */
  deleteInbox(orgId: string, id: string): Promise<boolean>;

  createOutbound(write: OutboundWrite): Promise<OutboundWriteResult>;
  /** Stores inbound copies (one per recipient inbox) at once; skips copies already stored
   *  for the same inbox and Message-ID, so a retried delivery adds nothing. Returns those stored.
   *  Appends a `message.received` event per stored copy (see the event log below). */
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
  /** Records an event on a message without changing its status (per-recipient outcomes). */
  appendMessageEvent(event: MessageEvent): Promise<void>;
  /** Also appends the status's event (`message.sent`, …; see core/events/message-events.ts) with the message as it now is. */
  setMessageStatus(change: StatusChange, completeJobId?: string): Promise<void>;

  getThread(orgId: string, id: string): Promise<Thread | null>;
  /** A thread's messages, oldest first. */
  listThreadMessages(threadId: string, limit: number): Promise<Message[]>;
  listThreads(orgId: string, options: ListOptions & { inboxId?: string; inboxIds?: string[] }): Promise<Page<Thread>>;

  // The event log and its webhook outbox (src/core/events, src/core/webhooks). Every event
  // write, including those storeInbound and setMessageStatus make, commits in the same
  // transaction as one delivery row and one 'webhook' job per matching enabled endpoint.

  /** Appends events; `endpointId` sends them to that endpoint only (webhook.test). Returns them with their ids. */
  appendEvents(events: NewOrgEvent[], options?: { endpointId?: string }): Promise<OrgEvent[]>;
  /** Events after `after` (exclusive), OLDEST first: the catch-up order. */
  listEvents(orgId: string, options: EventListOptions): Promise<Page<OrgEvent>>;
  /** The org's newest event id, where a live stream without Last-Event-ID starts. */
  latestEventId(orgId: string): Promise<string | null>;

  insertWebhookEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  getWebhookEndpoint(orgId: string, id: string): Promise<WebhookEndpoint | null>;
  listWebhookEndpoints(orgId: string, options: ListOptions): Promise<Page<WebhookEndpoint>>;
  countWebhookEndpoints(orgId: string): Promise<number>;
  /** Deletes the endpoint with its delivery log; its pending jobs end without sending. */
  deleteWebhookEndpoint(orgId: string, id: string): Promise<boolean>;
  /** Enabling also clears the failure streak. Resolves null for an unknown endpoint. */
  setWebhookEndpointEnabled(orgId: string, id: string, enabled: boolean, reason: string | null, at: number): Promise<WebhookEndpoint | null>;

  /** Deliveries of an endpoint, newest first, each with its attempts (oldest first). */
  listWebhookDeliveries(endpointId: string, options: ListOptions & { status?: WebhookDeliveryStatus }): Promise<Page<WebhookDeliveryLog>>;
  getWebhookDelivery(endpointId: string, id: string): Promise<WebhookDeliveryLog | null>;
  /** What the worker needs for one attempt, in one read; null when the delivery is gone. */
  loadWebhookDelivery(id: string): Promise<WebhookDeliveryContext | null>;
  /** Logs an attempt's outcome and reschedules or ends `jobId`, in one transaction. */
  recordWebhookAttempt(write: WebhookAttemptWrite): Promise<void>;
  /**
   * Makes the delivery due at `job.runAt` under a new job; its previous job, if pending, ends.
   * 'in_flight' while an attempt is running (its outcome would race the replay's).
   */
  replayWebhookDelivery(endpointId: string, id: string, job: NewJob): Promise<WebhookDeliveryLog | 'in_flight' | null>;
}

export interface EventListOptions {
  /** Last event id seen; null reads from the start of the log. */
  after: string | null;
  limit: number;
  types?: string[];
  /** Only these inboxes' events (org-wide events excluded): a filter or an inbox-scoped key. */
  inboxIds?: string[];
}

export interface WebhookDeliveryLog extends WebhookDelivery {
  attemptLog: WebhookAttempt[];
}

export interface WebhookDeliveryContext {
  delivery: WebhookDelivery;
  endpoint: WebhookEndpoint | null;
  event: OrgEvent | null;
}

export interface WebhookAttemptWrite {
  deliveryId: string;
  endpointId: string;
  jobId: string;
  /** null when the delivery ends without a request (endpoint disabled, event deleted); `reason` says why. */
  attempt: WebhookAttempt | null;
  reason?: string;
  status: WebhookDeliveryStatus;
  nextAttemptAt: number | null;
  at: number;
  /** What the attempt says about the endpoint's health. */
  endpoint: 'healthy' | 'failing' | 'unchanged' | { disable: string };
  /** Appended (and fanned out to the other endpoints) when the endpoint is disabled. */
  event?: NewOrgEvent;
}

/** The outcome of one webhook POST. A value, never a rejection. */
export interface WebhookPostResult {
  /** HTTP status; null when no response came (refused, reset, TLS, timeout). */
  status: number | null;
  /** Why no response or why it is not a success (a redirect not followed); null otherwise. */
  error: string | null;
  durationMs: number;
}

export interface WebhookPost {
  url: URL;
  /** Addresses the SSRF check approved for `url`'s host: connect to one of these, never resolve again. */
  addresses: string[];
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/**
 * Sends one webhook request: POST, no redirects followed, at most `timeoutMs` in all, only a
 * few KiB of the response read. Node implements it on node:http; Workers can on fetch.
 */
export interface WebhookSender {
  post(request: WebhookPost): Promise<WebhookPostResult>;
  close?(): Promise<void>;
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
  /** Gives the job back to run at `runAt` without counting an attempt: it was not tried (pacing). */
  defer?(jobId: string, owner: string, runAt: number): Promise<void>;
  /** Ends the job for good: it stays in the table, visible, with its error. */
  fail(jobId: string, owner: string, error: string): Promise<void>;
  /**
   * Extends `owner`'s lease on a running job to `leaseUntil`, so a slow attempt is not claimed
   * and run a second time beside it. False when the lease is no longer `owner`'s.
   */
  renew(jobId: string, owner: string, leaseUntil: number): Promise<boolean>;
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

/** A recipient the next hop refused while it accepted others (RCPT-level reply). */
export interface RefusedRecipient {
  recipient: string;
  /** 5xx: never deliverable this way; 4xx: try this recipient again later. */
  permanent: boolean;
  response: string;
}

export type SendOutcome =
  /** Accepted for at least one recipient; `refused` lists those it turned away. */
  | { ok: true; response: string; refused?: RefusedRecipient[] }
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
