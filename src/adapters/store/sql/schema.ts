/** Table shapes as Kysely sees them; shared by the SQLite, PostgreSQL and D1 dialects. */
import type { DeliverabilityTables } from './deliverability-schema.ts';

export interface OrgsTable { id: string; name: string; plan: string; created_at: number }
export interface ApiKeysTable {
  id: string; org_id: string; name: string; hash: string; prefix: string; scope: string;
  inbox_ids: string; created_at: number; revoked_at: number | null;
}
export interface InboxesTable {
  id: string; org_id: string; username: string; domain: string; address: string;
  display_name: string | null; created_at: number;
}
export interface ThreadsTable {
  id: string; org_id: string; inbox_id: string; subject: string; message_count: number;
  last_message_at: number; created_at: number;
}
export interface MessagesTable {
  id: string; org_id: string; inbox_id: string; thread_id: string; direction: string; status: string;
  status_reason: string | null; from_addr: string; to_json: string; cc_json: string; bcc_json: string;
  reply_to: string | null; subject: string; text_body: string | null; html_body: string | null;
  headers_json: string; message_id: string; in_reply_to: string | null; references_json: string;
  auth_json: string | null; created_at: number; updated_at: number;
  /** Added by 0005_inbound_lists: null on older rows and on outbound mail. */
  extracted_text: string | null; trusted: number | null;
  /** Added by 0006_auto_submitted: 1 when the message was sent by a machine (RFC 3834), else 0. */
  auto_submitted: number;
}
export interface MessageIdsTable { inbox_id: string; message_id: string; direction: string; thread_id: string; created_at: number }
export interface AttachmentsTable {
  id: string; message_id: string; filename: string; content_type: string; size: number; content: Uint8Array;
}
export interface MessageRawTable { message_id: string; raw: Uint8Array }
export interface MessageEventsTable { id: string; message_id: string; type: string; detail_json: string | null; created_at: number }
export interface JobsTable {
  id: string; queue: string; payload_json: string; status: string; attempts: number; run_at: number;
  lease_owner: string | null; lease_until: number | null; last_error: string | null; created_at: number; updated_at: number;
}
export interface IdempotencyTable {
  org_id: string; key: string; request_hash: string; response_status: number; response_body: string;
  created_at: number; expires_at: number;
}

export interface QuarantineTable {
  id: string; kind: string; target: string; lane: string; reason: string; source: string; org_id: string | null;
  created_at: number; expires_at: number | null;
}

export interface EventsTable {
  id: string; org_id: string; inbox_id: string | null; type: string; lane: string; data_json: string; created_at: number;
}
export interface WebhookEndpointsTable {
  id: string; org_id: string; url: string; events_json: string; inbox_ids_json: string; secret: string; enabled: number;
  disabled_reason: string | null; first_failure_at: number | null; created_at: number; updated_at: number;
}
export interface WebhookDeliveriesTable {
  id: string; org_id: string; endpoint_id: string; event_id: string; event_type: string; job_id: string; status: string;
  attempts: number; next_attempt_at: number | null; last_status: number | null; last_error: string | null;
  created_at: number; updated_at: number;
}
export interface WebhookAttemptsTable {
  delivery_id: string; attempt: number; status_code: number | null; duration_ms: number; error: string | null;
  at: number; next_attempt_at: number | null;
}

export interface ListEntriesTable {
  id: string; org_id: string; inbox_id: string | null; direction: string; action: string; pattern: string;
  note: string | null; created_at: number;
}

export interface Database extends DeliverabilityTables {
  orgs: OrgsTable;
  api_keys: ApiKeysTable;
  inboxes: InboxesTable;
  threads: ThreadsTable;
  messages: MessagesTable;
  message_ids: MessageIdsTable;
  attachments: AttachmentsTable;
  message_raw: MessageRawTable;
  message_events: MessageEventsTable;
  jobs: JobsTable;
  idempotency_keys: IdempotencyTable;
  events: EventsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  quarantine: QuarantineTable;
  list_entries: ListEntriesTable;
}
