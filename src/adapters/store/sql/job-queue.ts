import type { Kysely } from 'kysely';
import type { Job, NewJob } from '../../../core/model.ts';
import type { Queue } from '../../../core/ports.ts';
import type { Tx } from './event-log.ts';
import { toJob } from './rows.ts';
import type { Database } from './schema.ts';
import type { SqlWrites } from './writes.ts';

/** Adds a pending job inside `trx`: the outbox row that commits with the work that needs it. */
export async function insertJob(trx: Tx, job: NewJob): Promise<void> {
  await trx.insertInto('jobs').values({
    id: job.id, queue: job.queue, payload_json: JSON.stringify(job.payload), status: 'pending', attempts: 0,
    run_at: job.runAt, lease_owner: null, lease_until: null, last_error: null, created_at: job.runAt, updated_at: job.runAt,
  }).execute();
}

/**
 * The Queue port on the jobs table, on any Kysely dialect. A claim is a lease; every later
 * change is made only by the lease's owner. `skipLocked` (PostgreSQL) lets claimers on several
 * nodes pass over each other's rows; SQLite and D1 claim in one statement under their one writer.
 */
export class SqlJobQueue implements Queue {
  constructor(private readonly db: Kysely<Database>, private readonly writes: SqlWrites, private readonly skipLocked: boolean) {}

  async enqueue(job: NewJob): Promise<void> {
    await this.writes.write((trx) => insertJob(trx, job));
  }

  async claim(queue: string, owner: string, leaseMs: number, limit: number, now: number): Promise<Job[]> {
    const due = (db: Tx) => db.selectFrom('jobs').select('id').where('queue', '=', queue)
      .where((eb) => eb.or([
        eb.and([eb('status', '=', 'pending'), eb('run_at', '<=', now)]),
        // A lease that ran out belongs to a worker that died: take the job back.
        eb.and([eb('status', '=', 'leased'), eb('lease_until', '<', now)]),
      ]))
      .orderBy('run_at').limit(limit);
    const lease = { status: 'leased', lease_owner: owner, lease_until: now + leaseMs, updated_at: now };
    // Claims skip group commit: they are few, and a lease must not wait behind a batch.
    const rows = this.skipLocked
      // PostgreSQL: lock the due rows, skipping those another claimer holds, then lease them.
      ? await this.db.transaction().execute(async (trx) => {
        const ids = (await due(trx).forUpdate().skipLocked().execute()).map((r) => r.id);
        return ids.length === 0 ? [] : trx.updateTable('jobs').set(lease).where('id', 'in', ids).returningAll().execute();
      })
      // SQLite and D1: one statement, atomic under their single writer.
      : await this.writes.writeOne((db) => db.updateTable('jobs').set(lease).where('id', 'in', due(db)).returningAll().execute());
    // RETURNING has no order.
    return rows.map(toJob).sort((a, b) => a.runAt - b.runAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async complete(jobId: string, owner: string): Promise<void> {
    await this.writes.write((trx) => trx.updateTable('jobs').set({ status: 'done', lease_owner: null, lease_until: null })
      .where('id', '=', jobId).where('lease_owner', '=', owner).execute());
  }

  async retry(jobId: string, owner: string, runAt: number, error: string): Promise<void> {
    await this.writes.write((trx) => trx.updateTable('jobs')
      .set((eb) => ({ status: 'pending', attempts: eb('attempts', '+', 1), run_at: runAt, lease_owner: null, lease_until: null, last_error: error.slice(0, 1000) }))
      .where('id', '=', jobId).where('lease_owner', '=', owner).execute());
  }

  async defer(jobId: string, owner: string, runAt: number): Promise<void> {
    await this.writes.write((trx) => trx.updateTable('jobs').set({ status: 'pending', run_at: runAt, lease_owner: null, lease_until: null })
      .where('id', '=', jobId).where('lease_owner', '=', owner).execute());
  }

  async fail(jobId: string, owner: string, error: string): Promise<void> {
    await this.writes.write((trx) => trx.updateTable('jobs')
      .set((eb) => ({ status: 'failed', attempts: eb('attempts', '+', 1), lease_owner: null, lease_until: null, last_error: error.slice(0, 1000) }))
      .where('id', '=', jobId).where('lease_owner', '=', owner).execute());
  }

  async renew(jobId: string, owner: string, leaseUntil: number): Promise<boolean> {
    const res = await this.writes.writeOne((db) => db.updateTable('jobs').set({ lease_until: leaseUntil })
      .where('id', '=', jobId).where('lease_owner', '=', owner).where('status', '=', 'leased').executeTakeFirst());
    return Number(res.numUpdatedRows) > 0;
  }

  async releaseAll(owner: string): Promise<number> {
    const res = await this.writes.writeOne((db) => db.updateTable('jobs').set({ status: 'pending', lease_owner: null, lease_until: null })
      .where('lease_owner', '=', owner).where('status', '=', 'leased').executeTakeFirst());
    return Number(res.numUpdatedRows);
  }

  /**
   * Returns every lease, whoever holds it. Only for the single-node shape at start: one
   * process owns the SQLite file, so any lease left in it belongs to a process that died.
   */
  async releaseAllLeases(): Promise<number> {
    const res = await this.writes.writeOne((db) => db.updateTable('jobs').set({ status: 'pending', lease_owner: null, lease_until: null })
      .where('status', '=', 'leased').executeTakeFirst());
    return Number(res.numUpdatedRows);
  }

  async depth(queue: string, now: number): Promise<{ pending: number; oldestAgeMs: number | null }> {
    const row = await this.db.selectFrom('jobs')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('created_at').as('oldest')])
      .where('queue', '=', queue).where('status', 'in', ['pending', 'leased']).executeTakeFirst();
    const oldest = row?.oldest == null ? null : Number(row.oldest);
    return { pending: Number(row?.n ?? 0), oldestAgeMs: oldest === null ? null : Math.max(0, now - oldest) };
  }
}
