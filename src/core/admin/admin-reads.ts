/**
 * The operator's reads across orgs, for the dashboard: every inbox, held (sandboxed) mail,
 * dead-lettered webhook deliveries. Apart from the Store on purpose: no org-facing code path
 * can reach a cross-org query by mistake. Each method is one read; faults reject.
 */
import type { Inbox, MessageStatus, Page, WebhookDeliveryStatus } from '../model.ts';
import type { ListOptions } from '../ports.ts';

/** An outbound message as the operator lists it: headers of the envelope, no body. */
export interface AdminMessage {
  id: string;
  orgId: string;
  inboxId: string;
  status: MessageStatus;
  statusReason: string | null;
  from: string;
  to: string[];
  subject: string;
  createdAt: number;
  updatedAt: number;
}

/** A webhook delivery with its endpoint's URL. */
export interface AdminDelivery {
  id: string;
  orgId: string;
  endpointId: string;
  endpointUrl: string;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface AdminReads {
  /** Inboxes of every org, newest first; `ids` restricts the page to those inboxes. */
  listInboxes(options: ListOptions & { ids?: string[] }): Promise<Page<Inbox>>;
  /** Inboxes in all orgs. */
  countInboxes(): Promise<number>;
  /** Messages of every org in `status`, newest first. */
  listMessages(status: MessageStatus, options: ListOptions): Promise<Page<AdminMessage>>;
  /** Webhook deliveries of every org in `status`, newest first. */
  listWebhookDeliveries(status: WebhookDeliveryStatus, options: ListOptions): Promise<Page<AdminDelivery>>;
  /** The org owning a webhook endpoint, or null when there is none. */
  webhookEndpointOrg(endpointId: string): Promise<string | null>;
}
