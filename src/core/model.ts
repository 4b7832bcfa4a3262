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

export interface AuthVerdicts {
  spf: string;
  dkim: string;
  dmarc: string;
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
