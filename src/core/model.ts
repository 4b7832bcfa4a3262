/** The records core services work with. Times are epoch milliseconds. */

export type Plan = 'free' | 'pro' | 'unlimited';
export type KeyScope = 'org' | 'inbox';
export type Direction = 'inbound' | 'outbound';
export type Lane = 'inbound' | 'outbound' | 'control';
export type OutboundStatus = 'queued' | 'sent' | 'delivered' | 'sandboxed' | 'bounced' | 'complained' | 'suppressed' | 'failed';
export type MessageStatus = OutboundStatus | 'received';

export interface Org {
  id: string;
  name: string;
  plan: Plan;
  createdAt: number;
}

export interface ApiKey {
  id: string;
  orgId: string;
  name: string;
  /** SHA-256 of the whole key; the key itself is never stored. */
  hash: string;
  /** The first characters of the key, to tell keys apart in listings. */
  prefix: string;
  scope: KeyScope;
  inboxIds: string[];
  createdAt: number;
  revokedAt: number | null;
}

export interface Inbox {
  id: string;
  orgId: string;
  username: string;
  domain: string;
  address: string;
  displayName: string | null;
  createdAt: number;
}

export interface Thread {
  id: string;
  orgId: string;
  inboxId: string;
  subject: string;
  messageCount: number;
  lastMessageAt: number;
  createdAt: number;
}

/** One authentication method's result (RFC 8601 §2.7 result values). */
export type AuthResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'policy';

/** Inbound authentication verdicts (src/core/inbound/verdicts.ts); outbound mail has none. */
export interface AuthVerdicts {
  spf: AuthResult;
  dkim: AuthResult;
  dmarc: AuthResult;
  /** Absent on messages stored before ARC was checked. */
  arc?: AuthResult;
  /** The RFC 5322 From domain DMARC aligned on; null when there is no single From. */
  fromDomain?: string | null;
}

export interface Message {
  id: string;
  orgId: string;
  inboxId: string;
  threadId: string;
  direction: Direction;
  status: MessageStatus;
  statusReason: string | null;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string | null;
  subject: string;
  text: string | null;
  html: string | null;
  headers: Record<string, string>;
  /** RFC 5322 Message-ID with angle brackets. */
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  auth: AuthVerdicts | null;
  /** Inbound: the reply without quoted history and signature (src/mail/extract-reply.ts). */
  extractedText?: string | null;
  /** Inbound: DMARC passed (or hosted-to-hosted mail) and no list blocks the sender. */
  trusted?: boolean | null;
  /** Inbound: sent by a machine (RFC 3834: Auto-Submitted, a bounce, a report); false on outbound mail. */
  autoSubmitted: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface AttachmentMeta {
  id: string;
  messageId: string;
  filename: string;
  contentType: string;
  size: number;
}

export interface Attachment extends AttachmentMeta {
  content: Uint8Array;
}

export interface MessageEvent {
  id: string;
  messageId: string;
  type: string;
  detail: Record<string, unknown> | null;
  createdAt: number;
}

export interface Job<P = Record<string, unknown>> {
  id: string;
  queue: string;
  payload: P;
  attempts: number;
  runAt: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  lastError: string | null;
}

export interface NewJob {
  id: string;
  queue: string;
  payload: Record<string, unknown>;
  runAt: number;
}

/** A stored answer to an idempotent request, replayed for the same key and body. */
export interface IdempotencyRecord {
  orgId: string;
  key: string;
  requestHash: string;
  responseStatus: number;
  responseBody: string;
  createdAt: number;
  expiresAt: number;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Event types of the org's event log (DESIGN §4), plus the webhook system's own. */
export type EventType =
  | 'message.received' | 'message.sent' | 'message.delivered' | 'message.bounced' | 'message.complained' | 'message.failed'
  | 'inbox.reputation_changed' | 'quarantine.added' | 'quarantine.removed'
  | 'webhook.endpoint_disabled' | 'webhook.test';

/**
 * One entry of an org's durable event log: what webhooks, the SSE stream and `GET /v1/events`
 * all read. `data` is the public payload's `data` (snake_case, as served).
 */
export interface OrgEvent {
  /** `evt_…`, assigned by the store at commit, so the log's id order is its commit order. */
  id: string;
  orgId: string;
  /** The inbox the event is about; null for org-wide events (webhook endpoints, org quarantine). */
  inboxId: string | null;
  type: EventType;
  lane: Lane;
  data: Record<string, unknown>;
  createdAt: number;
}

/** An event to append; the store gives it its id. */
export type NewOrgEvent = Omit<OrgEvent, 'id'>;

/** A customer URL that receives signed events (Postal's WebhookEndpoint). */
export interface WebhookEndpoint {
  id: string;
  orgId: string;
  url: string;
  /** Event types to send; empty means all (except `webhook.test`, sent only on request). */
  events: EventType[];
  /** Inboxes whose events to send; empty means every inbox and the org-wide events. */
  inboxIds: string[];
  /**
   * `whsec_…`, shown once at creation. As the store holds and returns it, a SecretBox envelope
   * (src/core/secrets): open it with `secretContext('webhook', id)` where it signs.
   */
  secret: string;
  enabled: boolean;
  disabledReason: string | null;
  /** First failed attempt since the last success; null while healthy. Drives the 5-day disable. */
  firstFailureAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * pending: an attempt is due at `nextAttemptAt`; succeeded: a 2xx came back; dead: every
 * scheduled attempt failed (replayable); failed: stopped early because the endpoint was
 * disabled (410, 5 days of failures, or by the API) or its event is gone.
 */
export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'dead';

/** One event on its way to one endpoint: the outbox row. */
export interface WebhookDelivery {
  id: string;
  orgId: string;
  endpointId: string;
  eventId: string;
  eventType: EventType;
  /** The job that runs the next attempt; a replay makes a new one and the old one does nothing. */
  jobId: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One HTTP attempt of a delivery (Postal's WebhookAttempt). */
export interface WebhookAttempt {
  deliveryId: string;
  /** 1-based, counting replays. */
  attempt: number;
  /** null when no response came (refused, timeout, address check failed). */
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  at: number;
  /** When the next attempt is due; null when this attempt ended the delivery. */
  nextAttemptAt: number | null;
}
