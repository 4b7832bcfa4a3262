import type { Kysely } from 'kysely';
import type { DeliverabilityStore, DomainCheckWrite, ReputationDay, ReputationRow, ReputationWrite } from '../../../core/deliverability.ts';
import type { Domain } from '../../../core/domains/domain.ts';
import type { Message, MessageEvent, Page } from '../../../core/model.ts';
import type { ListOptions } from '../../../core/ports.ts';
import type { Suppression } from '../../../core/suppressions/suppression.ts';
import { fromDomain, fromReputation, fromSuppression, toDomain, toReputation, toSuppression } from './deliverability-rows.ts';
import type { SqlEventLog, Tx } from './event-log.ts';
import { rawKey, type MessageBlobs } from './message-blobs.ts';
import { fromEvent, toMessage } from './rows.ts';
import type { Database } from './schema.ts';
import type { SqlWrites } from './writes.ts';

function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  return { data, nextCursor: more ? data[data.length - 1]!.id : null };
}

// D1 binds at most 100 variables per statement (SQLite 32,766): lists go in parts that fit it.
const chunks = <T>(list: T[], size = 90): T[][] => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

/**
 * Deliverability on any Kysely dialect, sharing the KyselyStore's writes (group commit) and
 * its event log, so a reputation change and its event commit together.
 */
export class SqlDeliverability implements DeliverabilityStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writes: SqlWrites,
    private readonly log: SqlEventLog,
    private readonly blobs: MessageBlobs | null = null,
  ) {}

  private write<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return this.writes.write(fn);
  }

  // Domains

  async insertDomain(domain: Domain): Promise<boolean> {
    // ON CONFLICT without a target covers the domains_claim index (an expression index has no column list).
    const res = await this.writes.writeOne((db) => db.insertInto('domains').values(fromDomain(domain)).onConflict((oc) => oc.doNothing()).executeTakeFirst());
    return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async getDomain(id: string): Promise<Domain | null> {
    const row = await this.db.selectFrom('domains').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toDomain(row) : null;
  }

  async listAllDomains(): Promise<Domain[]> {
    return (await this.db.selectFrom('domains').selectAll().orderBy('id').execute()).map(toDomain);
  }

  async listDomains(orgId: string, { cursor, limit }: ListOptions): Promise<Page<Domain>> {
    let q = this.db.selectFrom('domains').selectAll().where('org_id', '=', orgId);
    if (cursor) q = q.where('id', '<', cursor);
    return page((await q.orderBy('id', 'desc').limit(limit + 1).execute()).map(toDomain), limit);
  }

  async saveDomainCheck(id: string, c: DomainCheckWrite): Promise<Domain | null> {
    const row = await this.writes.writeOne((db) => db.updateTable('domains')
      .set({ status: c.status, records_json: JSON.stringify(c.records), checked_at: c.checkedAt, verified_at: c.verifiedAt })
      .where('id', '=', id).returningAll().executeTakeFirst());
    return row ? toDomain(row) : null;
  }

  // Suppressions

  async putSuppression(s: Suppression): Promise<void> {
    const row = fromSuppression(s);
    await this.write((trx) => trx.insertInto('suppressions').values(row)
      .onConflict((oc) => oc.columns(['org_id', 'address']).doUpdateSet({
        id: row.id, reason: row.reason, source: row.source, message_id: row.message_id, created_at: row.created_at, expires_at: row.expires_at,
      })).execute());
  }

  async listSuppressions(orgId: string, { cursor, limit, now }: ListOptions & { now: number }): Promise<Page<Suppression>> {
    let q = this.db.selectFrom('suppressions').selectAll().where('org_id', '=', orgId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
    if (cursor) q = q.where('id', '<', cursor);
    return page((await q.orderBy('id', 'desc').limit(limit + 1).execute()).map(toSuppression), limit);
  }

  async getSuppression(orgId: string, address: string, now: number): Promise<Suppression | null> {
    const row = await this.db.selectFrom('suppressions').selectAll().where('org_id', '=', orgId).where('address', '=', address)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])).executeTakeFirst();
    return row ? toSuppression(row) : null;
  }

  async deleteSuppression(orgId: string, address: string): Promise<boolean> {
    const res = await this.writes.writeOne((db) => db.deleteFrom('suppressions').where('org_id', '=', orgId).where('address', '=', address).executeTakeFirst());
    return Number(res.numDeletedRows) > 0;
  }

  async suppressedAmong(orgId: string, addresses: string[], now: number): Promise<Set<string>> {
    const hit = new Set<string>();
    for (const part of chunks(addresses)) {
      if (part.length === 0) continue;
      const rows = await this.db.selectFrom('suppressions').select('address').where('org_id', '=', orgId).where('address', 'in', part)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])).execute();
      for (const r of rows) hit.add(r.address);
    }
    return hit;
  }

  // Recipient history

  async knownRecipients(inboxId: string, addresses: string[]): Promise<Set<string>> {
    const known = new Set<string>();
    for (const part of chunks(addresses)) {
      if (part.length === 0) continue;
      const rows = await this.db.selectFrom('inbox_recipients').select('address').where('inbox_id', '=', inboxId).where('address', 'in', part).execute();
      for (const r of rows) known.add(r.address);
    }
    return known;
  }

  /** Inside the caller's transaction (createOutbound): the send and its recipients commit together. */
  async rememberRecipients(trx: Tx, inboxId: string, addresses: string[], at: number): Promise<void> {
    const unique = [...new Set(addresses.map((a) => a.toLowerCase()))];
    for (const part of chunks(unique, 30)) {
      if (part.length === 0) continue;
      await trx.insertInto('inbox_recipients').values(part.map((address) => ({ inbox_id: inboxId, address, first_at: at })))
        .onConflict((oc) => oc.columns(['inbox_id', 'address']).doNothing()).execute();
    }
  }

  // Reputation

  async loadReputation(inboxId: string, fromDay: number): Promise<{ row: ReputationRow | null; days: ReputationDay[] }> {
    const row = await this.db.selectFrom('reputation').selectAll().where('inbox_id', '=', inboxId).executeTakeFirst();
    const days = await this.db.selectFrom('reputation_days').selectAll().where('inbox_id', '=', inboxId).where('day', '>=', fromDay).execute();
    return {
      row: row ? toReputation(row) : null,
      days: days.map((d) => ({ day: Number(d.day), counts: { sent: Number(d.sent), delivered: Number(d.delivered), bounced: Number(d.bounced), complained: Number(d.complained) } })),
    };
  }

  async listUnhealthy(): Promise<Array<Pick<ReputationRow, 'inboxId' | 'state'>>> {
    const rows = await this.db.selectFrom('reputation').select(['inbox_id', 'state']).where('state', '!=', 'healthy').execute();
    return rows.map((r) => ({ inboxId: r.inbox_id, state: r.state as ReputationRow['state'] }));
  }

  async recordReputation(w: ReputationWrite): Promise<void> {
    const row = fromReputation(w.row);
    const { sent, delivered, bounced, complained } = w.delta;
    await this.write(async (trx) => {
      if (sent || delivered || bounced || complained) {
        await trx.insertInto('reputation_days').values({ inbox_id: row.inbox_id, day: w.day, sent, delivered, bounced, complained })
          .onConflict((oc) => oc.columns(['inbox_id', 'day']).doUpdateSet((eb) => ({
            sent: eb('reputation_days.sent', '+', sent), delivered: eb('reputation_days.delivered', '+', delivered),
            bounced: eb('reputation_days.bounced', '+', bounced), complained: eb('reputation_days.complained', '+', complained),
          }))).execute();
      }
      await trx.insertInto('reputation').values(row).onConflict((oc) => oc.column('inbox_id').doUpdateSet({
        state: row.state, since: row.since, clean_run: row.clean_run, recent_json: row.recent_json, updated_at: row.updated_at,
      })).execute();
      if (w.event) await this.log.insert(trx, [w.event]);
    });
  }

  // Messages

  async findOutboundByMessageId(messageId: string): Promise<Message | null> {
    const row = await this.db.selectFrom('messages').selectAll().where('message_id', '=', messageId).where('direction', '=', 'outbound')
      .orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row ? toMessage(row) : null;
  }

  async addMessageEvent(event: MessageEvent): Promise<void> {
    await this.write((trx) => trx.insertInto('message_events').values(fromEvent(event)).execute());
  }

  async saveSignedRaw(messageId: string, raw: Uint8Array): Promise<void> {
    if (this.blobs) {
      const row = await this.db.selectFrom('message_raw').select('message_id').where('message_id', '=', messageId).executeTakeFirst();
      if (row) await this.blobs.put(rawKey(messageId), raw);
      return;
    }
    await this.write((trx) => trx.updateTable('message_raw').set({ raw }).where('message_id', '=', messageId).execute());
  }
}
