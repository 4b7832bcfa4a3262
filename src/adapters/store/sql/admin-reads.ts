import type { Kysely } from 'kysely';
import type { AdminDelivery, AdminMessage, AdminReads } from '../../../core/admin/admin-reads.ts';
import type { Inbox, MessageStatus, Page, WebhookDeliveryStatus } from '../../../core/model.ts';
import type { ListOptions } from '../../../core/ports.ts';
import { toInbox } from './rows.ts';
import type { Database } from './schema.ts';

function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  return { data, nextCursor: more ? data[data.length - 1]!.id : null };
}

/**
 * The operator's cross-org reads on any Kysely dialect. Rare (a dashboard refresh), so no index
 * of their own: statuses are filtered on the primary-key order, newest first.
 */
export class SqlAdminReads implements AdminReads {
  constructor(private readonly db: Kysely<Database>) {}

  async listInboxes(o: ListOptions & { ids?: string[] }): Promise<Page<Inbox>> {
    if (o.ids && o.ids.length === 0) return { data: [], nextCursor: null };
    let q = this.db.selectFrom('inboxes').selectAll().orderBy('id', 'desc').limit(o.limit + 1);
    if (o.ids) q = q.where('id', 'in', o.ids);
    if (o.cursor) q = q.where('id', '<', o.cursor);
    return page((await q.execute()).map(toInbox), o.limit);
  }

  async countInboxes(): Promise<number> {
    const row = await this.db.selectFrom('inboxes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async listMessages(status: MessageStatus, o: ListOptions): Promise<Page<AdminMessage>> {
    let q = this.db.selectFrom('messages')
      .select(['id', 'org_id', 'inbox_id', 'status', 'status_reason', 'from_addr', 'to_json', 'subject', 'created_at', 'updated_at'])
      .where('status', '=', status).orderBy('id', 'desc').limit(o.limit + 1);
    if (o.cursor) q = q.where('id', '<', o.cursor);
    const rows = await q.execute();
    return page(rows.map((r) => ({
      id: r.id, orgId: r.org_id, inboxId: r.inbox_id, status: r.status as MessageStatus, statusReason: r.status_reason,
      from: r.from_addr, to: JSON.parse(r.to_json) as string[], subject: r.subject, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
    })), o.limit);
  }

  async listWebhookDeliveries(status: WebhookDeliveryStatus, o: ListOptions): Promise<Page<AdminDelivery>> {
    let q = this.db.selectFrom('webhook_deliveries as d').innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .select(['d.id', 'd.org_id', 'd.endpoint_id', 'e.url', 'd.event_id', 'd.event_type', 'd.status', 'd.attempts', 'd.last_status', 'd.last_error', 'd.created_at', 'd.updated_at'])
      .where('d.status', '=', status).orderBy('d.id', 'desc').limit(o.limit + 1);
    if (o.cursor) q = q.where('d.id', '<', o.cursor);
    const rows = await q.execute();
    return page(rows.map((r) => ({
      id: r.id, orgId: r.org_id, endpointId: r.endpoint_id, endpointUrl: r.url, eventId: r.event_id, eventType: r.event_type,
      status: r.status as WebhookDeliveryStatus, attempts: Number(r.attempts), lastStatus: r.last_status === null ? null : Number(r.last_status),
      lastError: r.last_error, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
    })), o.limit);
  }

  async webhookEndpointOrg(endpointId: string): Promise<string | null> {
    const row = await this.db.selectFrom('webhook_endpoints').select('org_id').where('id', '=', endpointId).executeTakeFirst();
    return row?.org_id ?? null;
  }
}
