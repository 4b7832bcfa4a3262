/**
 * The API's JSON shapes (DESIGN §4), written by hand and checked against GET /openapi.json by
 * test/sdk/openapi-contract.test.ts: every field declared here must exist in the document's
 * schema of the operation that returns it. Fields the server sends but does not document yet
 * are left out rather than guessed.
 */

/** A list page: `next_cursor` is null on the last page. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export type ReputationState = 'healthy' | 'warning' | 'throttled' | 'paused';
export type Lane = 'inbound' | 'outbound' | 'both';
export type OutboundStatus = 'queued' | 'sent' | 'delivered' | 'sandboxed' | 'bounced' | 'complained' | 'suppressed' | 'failed';
export type MessageStatus = OutboundStatus | 'received';
export type AuthResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'policy';
export type EventType =
  | 'message.received' | 'message.sent' | 'message.delivered' | 'message.bounced' | 'message.complained' | 'message.failed'
  | 'inbox.reputation_changed' | 'quarantine.added' | 'quarantine.removed' | 'webhook.endpoint_disabled' | 'webhook.test';

export interface Org {
  id: string;
  name: string;
  plan: string;
}

export interface CreatedOrg {
  org: Org;
  /** `bw_…`, shown once. */
  api_key: string;
}

export interface ApiKey {
  id: string;
  name: string;
  scopes: string[];
  inbox_ids: string[];
  prefix: string;
  created_at: string;
  revoked_at: string | null;
}

/** The create answer: the only time the secret is shown. */
export interface CreatedApiKey extends ApiKey {
  api_key: string;
}

export interface Inbox {
  id: string;
  address: string;
  display_name: string | null;
  domain: string;
  created_at: string;
  reputation: { state: string };
}

export interface AttachmentMeta {
  id: string;
  filename: string;
  content_type: string;
  size: number;
}

/** SPF, DKIM, DMARC and ARC verdicts of received mail, as Breakwater checked them. */
export interface AuthVerdicts {
  spf: string;
  dkim: string;
  dmarc: string;
  arc: string;
  /** The From domain DMARC aligned on. */
  from_domain: string | null;
}

export interface Message {
  id: string;
  inbox_id: string;
  thread_id: string;
  direction: 'inbound' | 'outbound';
  status: string;
  status_reason: string | null;
  from: string;
  to: string[];
  cc: string[];
  /** Outbound only: the sender's own Bcc list (never in the mail itself). */
  bcc?: string[];
  reply_to: string | null;
  subject: string;
  text: string | null;
  html: string | null;
  /** The top-level header fields, first occurrence of each name, names lower-cased. */
  headers: Record<string, string>;
  message_id: string;
  in_reply_to: string | null;
  references: string[];
  attachments: AttachmentMeta[];
  /** null on outbound mail. */
  auth: AuthVerdicts | null;
  /** DMARC passed (or another hosted inbox sent it) and no list blocks the sender; true on outbound mail. */
  trusted: boolean;
  /** Inbound: the reply without quoted history and signature. */
  extracted_text: string | null;
  /** Inbound: a machine sent it (an auto-reply, a bounce, a report; RFC 3834): answer it rarely, if ever. False on outbound mail. */
  auto_submitted: boolean;
  created_at: string;
  updated_at: string;
  /** On GET /v1/messages/{id} only. */
  events?: MessageEvent[];
}

/** One step of a message's life (queued, sent, delivered, bounced, received, ...), with what was seen. */
export interface MessageEvent {
  id: string;
  type: string;
  detail: Record<string, unknown> | null;
  created_at: string;
}

/** A message as GET /v1/messages/{id} answers it: always with its events. */
export type MessageWithEvents = Message & { events: MessageEvent[] };

export interface SendAccepted {
  id: string;
  thread_id: string;
  status: 'queued';
}

export interface Thread {
  id: string;
  inbox_id: string;
  subject: string;
  message_count: number;
  last_message_at: string;
  created_at: string;
}

export interface ThreadWithMessages extends Thread {
  messages: Message[];
}

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  inbox_ids: string[];
  enabled: boolean;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
  /** `whsec_…`, in the create answer only. */
  secret?: string;
}

export interface WebhookDelivery {
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  status: 'pending' | 'succeeded' | 'failed' | 'dead';
  attempt_count: number;
  next_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  attempts: Array<{ attempt: number; status_code: number | null; duration_ms: number; error: string | null; at: string; next_attempt_at: string | null }>;
}

/** One event of the org's log: the same shape in webhooks, the SSE stream and GET /v1/events. */
export interface BreakwaterEvent<T extends Record<string, unknown> = Record<string, unknown>> {
  id: string;
  type: EventType | (string & {});
  created_at: string;
  /** Message events carry the message as `data.message`. */
  data: T;
}

export interface DomainRecord {
  purpose: 'mx' | 'spf' | 'dkim' | 'dmarc' | 'return_path';
  type: 'MX' | 'TXT' | 'CNAME';
  name: string;
  value: string;
  priority?: number;
  status: 'pending' | 'verified' | 'failed';
  found?: string[];
  error?: string;
}

export interface Domain {
  id: string;
  name: string;
  status: 'pending' | 'verified' | 'failed';
  /** The platform's default domain: read-only. */
  default: boolean;
  dkim: { selector: string; algorithm: string };
  records: DomainRecord[];
  created_at: string;
  verified_at: string | null;
  checked_at: string | null;
}

export type SuppressionReason = 'hard_bounce' | 'complaint' | 'manual' | 'unsubscribe' | 'spam_trap' | 'invalid';

export interface Suppression {
  address: string;
  reason: SuppressionReason;
  source: 'auto' | 'api';
  message_id?: string;
  created_at: string;
  expires_at?: string;
}

export interface QuarantineEntry {
  id: string;
  kind: 'key' | 'inbox' | 'domain';
  target: string;
  lane: Lane;
  reason: string;
  source: 'auto' | 'operator';
  created_at: string;
  expires_at: string | null;
}

export interface Reputation {
  inbox_id: string;
  state: ReputationState;
  sent: number;
  delivered: number;
  bounced: number;
  complained: number;
  bounce_rate: number;
  complaint_rate: number;
  /** The inbox's send bucket now: halved when throttled, 0 when paused. */
  outbound_limit: { rule: string; limit: number; window_seconds: number; burst: number };
  since: string;
  window_days: number;
}

/** An attachment to send: `content` is base64 (or bytes, which the SDK encodes). */
export interface AttachmentInput {
  filename: string;
  content_type?: string;
  content: string | Uint8Array;
}

export interface SendParams {
  to: string[];
  cc?: string[];
  bcc?: string[];
  subject?: string;
  text?: string;
  html?: string;
  reply_to?: string;
  /** `X-…` headers, List-Unsubscribe(-Post), and `Auto-Submitted`: `auto-replied` or `auto-generated` to mark an automatic answer. */
  headers?: Record<string, string>;
  attachments?: AttachmentInput[];
}

export interface ReplyParams extends Omit<SendParams, 'to'> {
  /** Defaults to the sender of the message replied to. */
  to?: string[];
  reply_all?: boolean;
}
