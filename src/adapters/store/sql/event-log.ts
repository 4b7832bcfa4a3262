import type { Kysely, Transaction } from 'kysely';
import { WEBHOOK_QUEUE } from '../../../core/context.ts';
import { MonotonicEventIds } from '../../../core/events/event-ids.ts';
import { newId } from '../../../core/ids.ts';
import type { NewOrgEvent, OrgEvent, Page, WebhookEndpoint } from '../../../core/model.ts';
import type { EventListOptions } from '../../../core/ports.ts';
import { endpointWants } from '../../../core/webhooks/endpoint-filter.ts';
import { fromOrgEvent, toEndpoint, toOrgEvent } from './event-rows.ts';
import { insertJob } from './job-queue.ts';
import type { Database } from './schema.ts';
import type { SqlWrites } from './writes.ts';

export type Tx = Transaction<Database> | Kysely<Database>;

/**
 * Makes event ids follow commit order when several processes write one log (PostgreSQL): given
 * the events about to be inserted with their candidate ids, returns the ids to use, each above
 * every id its org already committed, and holds whatever lock keeps it so until commit.
 */
export type EventIdOrder = (trx: Tx, events: Array<{ orgId: string; id: string }>) => Promise<string[]>;

/**
 * The event log and its outbox. `insert` runs inside the caller's write transaction: the event,
 * one delivery row per matching enabled endpoint and that delivery's job commit together or
 * not at all, so no event is announced without its webhooks, nor a webhook sent for an event
 * that did not commit.
 */
export class SqlEventLog {
  // Drawn inside the (serialized) write, so id order is commit order: readers page by id. With
  // several writers (PostgreSQL) `order` keeps it so.
  private readonly ids = new MonotonicEventIds();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly writes: SqlWrites,
    private readonly order?: EventIdOrder,
  ) {}

  /**
   * `except`: an endpoint the caller's transaction is disabling. Its row still reads as enabled
   * here on D1 (a transaction's reads do not see its writes), and it must not get the event.
   */
  async insert(trx: Tx, events: NewOrgEvent[], options: { endpointId?: string; except?: string } = {}): Promise<OrgEvent[]> {
    const endpoints = new Map<string, WebhookEndpoint[]>();
    const out: OrgEvent[] = [];
    const drafted = events.map((draft) => ({ orgId: draft.orgId, id: this.ids.next(draft.createdAt) }));
    const ids = this.order && drafted.length > 0 ? await this.order(trx, drafted) : drafted.map((d) => d.id);
    for (const [i, draft] of events.entries()) {
      const event: OrgEvent = { ...draft, id: ids[i]! };
      await trx.insertInto('events').values(fromOrgEvent(event)).execute();
      out.push(event);
      let enabled = endpoints.get(event.orgId);
      if (!enabled) {
        const rows = await trx.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', event.orgId).where('enabled', '=', 1).execute();
        endpoints.set(event.orgId, (enabled = rows.map(toEndpoint).filter((e) => e.id !== options.except)));
      }
      const targets = options.endpointId ? enabled.filter((e) => e.id === options.endpointId) : enabled.filter((e) => endpointWants(e, event));
      for (const endpoint of targets) await this.enqueueDelivery(trx, event, endpoint.id);
    }
    return out;
  }

  private async enqueueDelivery(trx: Tx, event: OrgEvent, endpointId: string): Promise<void> {
    const at = event.createdAt;
    const id = newId('del', at);
    const jobId = newId('job', at);
    await trx.insertInto('webhook_deliveries').values({
      id, org_id: event.orgId, endpoint_id: endpointId, event_id: event.id, event_type: event.type, job_id: jobId,
      status: 'pending', attempts: 0, next_attempt_at: at, last_status: null, last_error: null, created_at: at, updated_at: at,
    }).execute();
    await insertJob(trx, { id: jobId, queue: WEBHOOK_QUEUE, payload: { deliveryId: id }, runAt: at });
  }

  appendEvents(events: NewOrgEvent[], options: { endpointId?: string } = {}): Promise<OrgEvent[]> {
    if (events.length === 0) return Promise.resolve([]);
    return this.writes.write((trx) => this.insert(trx, events, options));
  }

  async listEvents(orgId: string, { after, limit, types, inboxIds }: EventListOptions): Promise<Page<OrgEvent>> {
    if (inboxIds && inboxIds.length === 0) return { data: [], nextCursor: null };
    let q = this.db.selectFrom('events').selectAll().where('org_id', '=', orgId);
    if (after) q = q.where('id', '>', after);
    if (types && types.length > 0) q = q.where('type', 'in', types);
    if (inboxIds) q = q.where('inbox_id', 'in', inboxIds);
    const rows = await q.orderBy('id', 'asc').limit(limit + 1).execute();
    const more = rows.length > limit;
    const data = (more ? rows.slice(0, limit) : rows).map(toOrgEvent);
    return { data, nextCursor: more ? data[data.length - 1]!.id : null };
  }

  async latestEventId(orgId: string): Promise<string | null> {
    const row = await this.db.selectFrom('events').select('id').where('org_id', '=', orgId).orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row?.id ?? null;
  }

  async getEvent(id: string): Promise<OrgEvent | null> {
    const row = await this.db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toOrgEvent(row) : null;
  }
}
