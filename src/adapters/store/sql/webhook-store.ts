import type { Kysely } from 'kysely';
import type { NewJob, Page, WebhookDeliveryStatus, WebhookEndpoint } from '../../../core/model.ts';
import type { ListOptions, WebhookAttemptWrite, WebhookDeliveryContext, WebhookDeliveryLog } from '../../../core/ports.ts';
import type { SqlEventLog, Tx } from './event-log.ts';
import { fromAttempt, fromEndpoint, toAttempt, toDelivery, toEndpoint } from './event-rows.ts';
import { insertJob } from './job-queue.ts';
import type { Database, WebhookAttemptsTable, WebhookDeliveriesTable } from './schema.ts';
import type { SqlWrites } from './writes.ts';

/** Webhook endpoints and the delivery log: the Store's webhook methods on any Kysely dialect. */
export class SqlWebhooks {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writes: SqlWrites,
    private readonly log: SqlEventLog,
  ) {}

  async insertEndpoint(e: WebhookEndpoint): Promise<void> {
    await this.writes.write((trx) => trx.insertInto('webhook_endpoints').values(fromEndpoint(e)).execute());
  }

  async getEndpoint(orgId: string, id: string): Promise<WebhookEndpoint | null> {
    const row = await this.db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return row ? toEndpoint(row) : null;
  }

  async listEndpoints(orgId: string, { cursor, limit }: ListOptions): Promise<Page<WebhookEndpoint>> {
    let q = this.db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId);
    if (cursor) q = q.where('id', '<', cursor);
    const rows = (await q.orderBy('id', 'desc').limit(limit + 1).execute()).map(toEndpoint);
    return page(rows, limit);
  }

  async countEndpoints(orgId: string): Promise<number> {
    const row = await this.db.selectFrom('webhook_endpoints').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  deleteEndpoint(orgId: string, id: string): Promise<boolean> {
    return this.writes.write(async (trx) => {
      const found = await this.writes.deciding(trx.selectFrom('webhook_endpoints').select('id').where('org_id', '=', orgId).where('id', '=', id))
        .executeTakeFirst();
      if (!found) return false;
      await trx.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
      const deliveries = trx.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', id);
      // Pending attempts end unsent; one already running finds its delivery gone and records nothing.
      await trx.updateTable('jobs').set({ status: 'done', lease_owner: null, lease_until: null })
        .where('id', 'in', trx.selectFrom('webhook_deliveries').select('job_id').where('endpoint_id', '=', id))
        .where('status', '=', 'pending').execute();
      await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', deliveries).execute();
      await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
      return true;
    });
  }

  async setEndpointEnabled(orgId: string, id: string, enabled: boolean, reason: string | null, at: number): Promise<WebhookEndpoint | null> {
    const row = await this.writes.writeOne((db) => db.updateTable('webhook_endpoints')
      // Enabling starts a new failure streak: the 5-day clock restarts.
      .set(enabled ? { enabled: 1, disabled_reason: null, first_failure_at: null, updated_at: at } : { enabled: 0, disabled_reason: reason, updated_at: at })
      .where('org_id', '=', orgId).where('id', '=', id).returningAll().executeTakeFirst());
    return row ? toEndpoint(row) : null;
  }

  async listDeliveries(endpointId: string, { cursor, limit, status }: ListOptions & { status?: WebhookDeliveryStatus }): Promise<Page<WebhookDeliveryLog>> {
    let q = this.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId);
    if (status) q = q.where('status', '=', status);
    if (cursor) q = q.where('id', '<', cursor);
    const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
    const p = page(rows, limit);
    return { data: await this.withAttempts(this.db, p.data), nextCursor: p.nextCursor };
  }

  async getDelivery(endpointId: string, id: string): Promise<WebhookDeliveryLog | null> {
    return this.readDelivery(this.db, endpointId, id);
  }

  async loadDelivery(id: string): Promise<WebhookDeliveryContext | null> {
    const row = await this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const [endpoint, event] = await Promise.all([
      this.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', row.endpoint_id).executeTakeFirst(),
      this.log.getEvent(row.event_id),
    ]);
    return { delivery: toDelivery(row), endpoint: endpoint ? toEndpoint(endpoint) : null, event };
  }

  recordAttempt(w: WebhookAttemptWrite): Promise<void> {
    return this.writes.write(async (trx) => {
      const current = await trx.selectFrom('webhook_deliveries').select(['job_id', 'attempts']).where('id', '=', w.deliveryId).executeTakeFirst();
      // Deleted with its endpoint, or superseded by a replay: only the job ends.
      if (current && current.job_id === w.jobId) {
        if (w.attempt) await trx.insertInto('webhook_attempts').values(fromAttempt(w.attempt)).execute();
        await trx.updateTable('webhook_deliveries').set({
          status: w.status, attempts: w.attempt?.attempt ?? Number(current.attempts), next_attempt_at: w.nextAttemptAt,
          ...(w.attempt ? { last_status: w.attempt.statusCode, last_error: w.attempt.error } : { last_error: w.reason ?? null }),
          updated_at: w.at,
        }).where('id', '=', w.deliveryId).execute();
        await this.updateEndpointHealth(trx, w);
      }
      if (w.status === 'pending' && w.nextAttemptAt !== null && current?.job_id === w.jobId) {
        await trx.updateTable('jobs')
          .set((eb) => ({ status: 'pending', run_at: w.nextAttemptAt!, attempts: eb('attempts', '+', 1), lease_owner: null, lease_until: null, last_error: w.attempt?.error?.slice(0, 1000) ?? null, updated_at: w.at }))
          .where('id', '=', w.jobId).execute();
      } else {
        await trx.updateTable('jobs').set({ status: 'done', lease_owner: null, lease_until: null, updated_at: w.at }).where('id', '=', w.jobId).execute();
      }
    });
  }

  private async updateEndpointHealth(trx: Tx, w: WebhookAttemptWrite): Promise<void> {
    const where = trx.updateTable('webhook_endpoints').where('id', '=', w.endpointId);
    if (w.endpoint === 'healthy') {
      await where.set({ first_failure_at: null }).where('first_failure_at', 'is not', null).execute();
    } else if (w.endpoint === 'failing') {
      await where.set({ first_failure_at: w.at }).where('first_failure_at', 'is', null).execute();
    } else if (typeof w.endpoint === 'object') {
      const row = await this.writes.deciding(trx.selectFrom('webhook_endpoints').select('enabled').where('id', '=', w.endpointId)).executeTakeFirst();
      // Only the attempt that actually disables it says so: concurrent failures emit one event.
      if (Number(row?.enabled) !== 1) return;
      await where.set({ enabled: 0, disabled_reason: w.endpoint.disable, updated_at: w.at }).execute();
      if (w.event) await this.log.insert(trx, [w.event], { except: w.endpointId });
    }
  }

  replayDelivery(endpointId: string, id: string, job: NewJob): Promise<WebhookDeliveryLog | 'in_flight' | null> {
    return this.writes.write(async (trx) => {
      const row = await this.writes.deciding(trx.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).where('id', '=', id))
        .executeTakeFirst();
      if (!row) return null;
      const previous = await trx.selectFrom('jobs').select('status').where('id', '=', row.job_id).executeTakeFirst();
      if (previous?.status === 'leased') return 'in_flight' as const;
      if (previous?.status === 'pending') {
        await trx.updateTable('jobs').set({ status: 'done', updated_at: job.runAt }).where('id', '=', row.job_id).execute();
      }
      await trx.updateTable('webhook_deliveries').set({ status: 'pending', job_id: job.id, next_attempt_at: job.runAt, updated_at: job.runAt })
        .where('id', '=', id).execute();
      await insertJob(trx, job);
      // The row as just written, built here: this transaction's reads would not see it on D1.
      const [replayed] = await this.withAttempts(trx, [{ ...row, status: 'pending', job_id: job.id, next_attempt_at: job.runAt, updated_at: job.runAt }]);
      return replayed!;
    });
  }

  private async readDelivery(db: Tx, endpointId: string, id: string): Promise<WebhookDeliveryLog | null> {
    const row = await db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).where('id', '=', id).executeTakeFirst();
    return row ? (await this.withAttempts(db, [row]))[0]! : null;
  }

  private async withAttempts(db: Tx, rows: WebhookDeliveriesTable[]): Promise<WebhookDeliveryLog[]> {
    const attempts: WebhookAttemptsTable[] = [];
    // D1 binds at most 100 variables per statement; a page may hold more deliveries.
    for (let i = 0; i < rows.length; i += 90) {
      attempts.push(...await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', rows.slice(i, i + 90).map((r) => r.id))
        .orderBy('delivery_id').orderBy('attempt').execute());
    }
    return rows.map((r) => ({ ...toDelivery(r), attemptLog: attempts.filter((a) => a.delivery_id === r.id).map(toAttempt) }));
  }
}

function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  return { data, nextCursor: more ? data[data.length - 1]!.id : null };
}
