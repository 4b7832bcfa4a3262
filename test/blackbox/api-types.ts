/** The public JSON shapes the black-box tests read (DESIGN §4), loosely typed. */

export interface ApiEvent {
  id: string;
  type: string;
  detail: Record<string, unknown> | null;
  created_at: string;
}

export interface ApiMessage {
  id: string;
  inbox_id: string;
  thread_id: string;
  direction: 'inbound' | 'outbound';
  status: string;
  status_reason: string | null;
  from: string;
  to: string[];
  cc: string[];
  bcc?: string[];
  subject: string;
  text: string | null;
  html: string | null;
  message_id: string;
  in_reply_to: string | null;
  references: string[];
  attachments: Array<{ id: string; filename: string; content_type: string; size: number }>;
  headers: Record<string, string>;
  auto_submitted: boolean;
  created_at: string;
  events?: ApiEvent[];
}

/** A message as GET /v1/messages/{id} answers it: always with its events. */
export type ApiMessageDetail = ApiMessage & { events: ApiEvent[] };
