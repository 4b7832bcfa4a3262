import type { Kysely } from 'kysely';
import type { QuarantineEntry, QuarantinePersistence } from '../../../core/quarantine/quarantine.ts';
import type { Database } from './schema.ts';

/** Quarantine entries in the primary database, read once at start. */
export class SqlQuarantinePersistence implements QuarantinePersistence {
  constructor(private readonly db: Kysely<Database>) {}

  async loadQuarantine(now: number): Promise<QuarantineEntry[]> {
    await this.db.deleteFrom('quarantine').where('expires_at', '<=', now).execute();
    const rows = await this.db.selectFrom('quarantine').selectAll().execute();
    return rows.map((r) => ({
      id: r.id, kind: r.kind as QuarantineEntry['kind'], target: r.target, lane: r.lane as QuarantineEntry['lane'],
      reason: r.reason, source: r.source as QuarantineEntry['source'], orgId: r.org_id, createdAt: Number(r.created_at),
      expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    }));
  }

  async saveQuarantine(e: QuarantineEntry): Promise<void> {
    await this.db.insertInto('quarantine').values({
      id: e.id, kind: e.kind, target: e.target, lane: e.lane, reason: e.reason, source: e.source, org_id: e.orgId,
      created_at: e.createdAt, expires_at: e.expiresAt,
    }).execute();
  }

  async deleteQuarantine(id: string): Promise<void> {
    await this.db.deleteFrom('quarantine').where('id', '=', id).execute();
  }
}
