import { Migrator, sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type {
  ApiKey, Attachment, AttachmentMeta, IdempotencyRecord, Inbox, Job, Message, MessageEvent, NewJob, Org, Page, Thread,
} from '../../../core/model.ts';
import type {
  ListOptions, MessageListOptions, OutboundWrite, OutboundWriteResult, Queue, StatusChange, Store, StoredMessage,
} from '../../../core/ports.ts';
import { messageEvent, statusEventType } from '../../../core/events/message-events.ts';
import type { NewOrgEvent, OrgEvent, WebhookDeliveryStatus, WebhookEndpoint } from '../../../core/model.ts';
import type {
  EventListOptions, StoredSecret, WebhookAttemptWrite, WebhookDeliveryContext, WebhookDeliveryLog,
} from '../../../core/ports.ts';
import type { SecretKind } from '../../../core/secrets/secret-box.ts';
import { SqlEventLog, type EventIdOrder, type Tx } from './event-log.ts';
import { GroupCommit } from './group-commit.ts';
import { insertJob, SqlJobQueue } from './job-queue.ts';
import { SqlWebhooks } from './webhook-store.ts';
import { SqlDeliverability } from './deliverability-store.ts';
import { SqlListStore } from './lists-store.ts';
import { SqlSecrets } from './secret-store.ts';
import { attachmentKey, rawKey, type MessageBlobs } from './message-blobs.ts';
import { migrations, type DialectTypes } from './migrations.ts';
import type { Database } from './schema.ts';
import {
  fromEvent, fromInbox, fromKey, fromMessage, fromThread, toAttachmentMeta, toBytes, toEvent, toInbox, toKey,
  toMessage, toOrg, toThread,
} from './rows.ts';
import { isUniqueViolation, type SqlWrites } from './writes.ts';

export interface KyselyStoreOptions {
  db: Kysely<Database>;
  types: DialectTypes;
  /** Batch concurrent writes into one transaction (SQLite: one fsync for many requests). */
  groupCommit: boolean;
  /** Lock claimed job rows so concurrent claimers skip them (PostgreSQL `FOR UPDATE SKIP LOCKED`). */
  skipLocked: boolean;
  /** Reads that decide a write lock their rows (PostgreSQL `FOR UPDATE`): see SqlWrites.deciding. */
  rowLocks?: boolean;
  /** Raw MIME and attachment bodies outside the database (R2 beside D1); in byte columns without. */
  blobs?: MessageBlobs;
  /** Serialize migrations across processes (PostgreSQL advisory lock); SQLite is single-writer anyway. */
  migrationLock?: (run: () => Promise<void>) => Promise<void>;
  /** Event ids in commit order across processes (PostgreSQL); one SQLite writer needs none. */
  eventIdOrder?: EventIdOrder;
}

// A race lost to another writer settles in one more run; a few allow for a loser losing twice.
const SETTLE_ATTEMPTS = 3;

function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  return { data, nextCursor: more ? data[data.length - 1]!.id : null };
}

/** The Store and table-backed Queue on any Kysely dialect; dialect folders add connection setup. */
export class KyselyStore implements Store, Queue {
  readonly db: Kysely<Database>;
  private readonly batcher: GroupCommit<Database> | null;
  /** The event log and webhook outbox (event-log.ts, webhook-store.ts), sharing this store's writes. */
  private readonly eventLog: SqlEventLog;
  private readonly webhooks: SqlWebhooks;
  /** Domains, suppressions, reputation, recipient history (deliverability-store.ts), sharing these writes and the event log. */
  readonly deliverability: SqlDeliverability;
  /** Allow and block list entries (lists-store.ts), sharing these writes. */
  readonly lists: SqlListStore;
  /** Webhook secrets and DKIM keys as stored, for the start-time reseal (secret-store.ts). */
  private readonly secrets: SqlSecrets;
  /** The jobs table (job-queue.ts), sharing these writes. */
  private readonly queue: SqlJobQueue;

  private readonly writes: SqlWrites;
  private readonly blobs: MessageBlobs | null;

  constructor(private readonly options: KyselyStoreOptions) {
    this.db = options.db;
    this.blobs = options.blobs ?? null;
    this.batcher = options.groupCommit ? new GroupCommit(options.db) : null;
    this.writes = {
      write: (fn) => this.write(fn),
      writeSettled: (fn) => this.writeSettled(fn),
      writeOne: (fn) => this.writeOne(fn),
      deciding: (q) => (options.rowLocks ? q.forUpdate() : q),
    };
    this.eventLog = new SqlEventLog(this.db, this.writes, options.eventIdOrder);
    this.webhooks = new SqlWebhooks(this.db, this.writes, this.eventLog);
    this.deliverability = new SqlDeliverability(this.db, this.writes, this.eventLog, this.blobs);
    this.lists = new SqlListStore(this.db, this.writes);
    this.secrets = new SqlSecrets(this.db, this.writes);
    this.queue = new SqlJobQueue(this.db, this.writes, options.skipLocked);
  }

  /**
   * Runs `fn` in a transaction; with group commit, in a shared one under its own savepoint. Bodies
   * follow the SqlWrites rule (read, decide, write; never use a write's result), so they run on D1.
   */
  protected write<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    if (this.batcher) return this.batcher.run(fn);
    return this.db.transaction().execute(fn);
  }

  /** One statement outside any transaction and outside group commit: see SqlWrites.writeOne. */
  protected writeOne<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return fn(this.db);
  }

  private async writeSettled<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.write(fn);
      } catch (error) {
        if (attempt >= SETTLE_ATTEMPTS || !isUniqueViolation(error)) throw error;
      }
    }
  }

  private deciding<TB extends keyof Database, O>(q: SelectQueryBuilder<Database, TB, O>): SelectQueryBuilder<Database, TB, O> {
    return this.writes.deciding(q);
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.db,
      provider: { getMigrations: async () => migrations(this.options.types) },
      // Migrations are independent tables added by separate features; a data dir that ran a
      // later one first (a development branch) must still accept an earlier one.
      allowUnorderedMigrations: true,
    });
    const run = async () => {
      const { error } = await migrator.migrateToLatest();
      if (error) throw error instanceof Error ? error : new Error(String(error));
    };
    await (this.options.migrationLock ? this.options.migrationLock(run) : run());
  }

  async close(): Promise<void> {
    await this.batcher?.drain();
    await this.db.destroy();
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  // Orgs and keys

  async createOrg(org: Org, firstKey: ApiKey): Promise<void> {
    await this.write(async (trx) => {
      await trx.insertInto('orgs').values({ id: org.id, name: org.name, plan: org.plan, created_at: org.createdAt }).execute();
      await trx.insertInto('api_keys').values(fromKey(firstKey)).execute();
    });
  }

  async getOrg(id: string): Promise<Org | null> {
    const row = await this.db.selectFrom('orgs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toOrg(row) : null;
  }

  async insertKey(key: ApiKey): Promise<void> {
    await this.write((trx) => trx.insertInto('api_keys').values(fromKey(key)).execute());
  }

  async getKeyByHash(hash: string): Promise<ApiKey | null> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
    return row ? toKey(row) : null;
  }

  async getKey(orgId: string, id: string): Promise<ApiKey | null> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return row ? toKey(row) : null;
  }

  async listKeys(orgId: string, { cursor, limit }: ListOptions): Promise<Page<ApiKey>> {
    let q = this.db.selectFrom('api_keys').selectAll().where('org_id', '=', orgId);
    if (cursor) q = q.where('id', '<', cursor);
    const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
    return page(rows.map(toKey), limit);
  }

  async revokeKey(orgId: string, id: string, at: number): Promise<ApiKey | null> {
    // COALESCE keeps the first revocation time; RETURNING answers the row as committed.
    const row = await this.writeOne((db) => db.updateTable('api_keys').set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
      .where('org_id', '=', orgId).where('id', '=', id).returningAll().executeTakeFirst());
    return row ? toKey(row) : null;
  }

  // Inboxes

  async insertInbox(inbox: Inbox): Promise<boolean> {
    // Two nodes creating one address at once must not fault: the loser's UNIQUE violation makes
    // writeSettled run it again, and that run reads the address as taken.
    return this.writeSettled(async (trx) => {
      const taken = await trx.selectFrom('inboxes').select('id').where('address', '=', inbox.address).executeTakeFirst();
      if (taken) return false;
      await trx.insertInto('inboxes').values(fromInbox(inbox)).execute();
      return true;
    });
  }

  async getInbox(orgId: string, id: string): Promise<Inbox | null> {
    const row = await this.db.selectFrom('inboxes').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return row ? toInbox(row) : null;
  }

  async ownerOrgOf(kind: 'key' | 'inbox', id: string): Promise<string | null> {
    const row = kind === 'key'
      ? await this.db.selectFrom('api_keys').select('org_id').where('id', '=', id).executeTakeFirst()
      : await this.db.selectFrom('inboxes').select('org_id').where('id', '=', id).executeTakeFirst();
    return row?.org_id ?? null;
  }

  async getInboxByAddress(address: string): Promise<Inbox | null> {
    const row = await this.db.selectFrom('inboxes').selectAll().where('address', '=', address.toLowerCase()).executeTakeFirst();
    return row ? toInbox(row) : null;
  }

  async listInboxes(orgId: string, { cursor, limit, ids }: ListOptions & { ids?: string[] }): Promise<Page<Inbox>> {
    if (ids && ids.length === 0) return { data: [], nextCursor: null };
    let q = this.db.selectFrom('inboxes').selectAll().where('org_id', '=', orgId);
    if (ids) q = q.where('id', 'in', ids);
    if (cursor) q = q.where('id', '<', cursor);
    const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
    return page(rows.map(toInbox), limit);
  }

  async countInboxes(orgId: string): Promise<number> {
    const row = await this.db.selectFrom('inboxes').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async updateInbox(orgId: string, id: string, patch: { displayName?: string | null }): Promise<Inbox | null> {
    if (patch.displayName === undefined) return this.getInbox(orgId, id);
    const { displayName } = patch;
    const row = await this.writeOne((db) => db.updateTable('inboxes').set({ display_name: displayName })
      .where('org_id', '=', orgId).where('id', '=', id).returningAll().executeTakeFirst());
    return row ? toInbox(row) : null;
  }

  async deleteInbox(orgId: string, id: string): Promise<boolean> {
    const blobs = await this.write(async (trx) => {
      const found = await this.deciding(trx.selectFrom('inboxes').select('id').where('org_id', '=', orgId).where('id', '=', id)).executeTakeFirst();
      if (!found) return null;
      const keys = this.blobs ? await this.blobKeysOfInbox(trx, id) : [];
      await trx.deleteFrom('inboxes').where('id', '=', id).execute();
      const messageIds = trx.selectFrom('messages').select('id').where('inbox_id', '=', id);
      await trx.deleteFrom('attachments').where('message_id', 'in', messageIds).execute();
      await trx.deleteFrom('message_raw').where('message_id', 'in', messageIds).execute();
      await trx.deleteFrom('message_events').where('message_id', 'in', messageIds).execute();
      await trx.deleteFrom('messages').where('inbox_id', '=', id).execute();
      await trx.deleteFrom('message_ids').where('inbox_id', '=', id).execute();
      await trx.deleteFrom('threads').where('inbox_id', '=', id).execute();
      // Events carry copies of the messages: they go with them. Pending webhooks find no event and end.
      await trx.deleteFrom('events').where('inbox_id', '=', id).execute();
      return keys;
    });
    if (blobs === null) return false;
    // After the commit: a failed batch must not lose bytes its rows still point to. A crash here
    // leaves unreferenced objects, never a row without its bytes.
    if (blobs.length > 0) await this.blobs!.delete(blobs);
    return true;
  }

  private async blobKeysOfInbox(trx: Tx, inboxId: string): Promise<string[]> {
    const messages = await trx.selectFrom('messages').select('id').where('inbox_id', '=', inboxId).execute();
    const attachments = await trx.selectFrom('attachments').select(['id', 'message_id'])
      .where('message_id', 'in', trx.selectFrom('messages').select('id').where('inbox_id', '=', inboxId)).execute();
    return [...messages.map((m) => rawKey(m.id)), ...attachments.map((a) => attachmentKey(a.message_id, a.id))];
  }

  // Messages

  /** Whether this inbox already holds the message's Message-ID in its direction. */
  private async isStored(trx: Tx, message: Message): Promise<boolean> {
    const row = await trx.selectFrom('message_ids').select('thread_id').where('inbox_id', '=', message.inboxId)
      .where('message_id', '=', message.messageId).where('direction', '=', message.direction).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * The caller has checked isStored. A plain insert: should another node store the same Message-ID
   * first, the UNIQUE violation aborts this transaction and writeSettled runs the caller again.
   */
  private async insertStored(trx: Tx, item: StoredMessage): Promise<void> {
    const { message, thread } = item;
    await trx.insertInto('message_ids').values({
      inbox_id: message.inboxId, message_id: message.messageId, direction: message.direction, thread_id: message.threadId, created_at: message.createdAt,
    }).execute();
    // The bytes before the rows commit, so no committed row lacks its bytes.
    if (this.blobs) await this.putBlobs(item);
    const empty = new Uint8Array(0);
    if (thread.kind === 'new') {
      await trx.insertInto('threads').values(fromThread(thread.thread)).execute();
    } else {
      await trx.updateTable('threads')
        .set((eb) => ({ message_count: eb('message_count', '+', 1), last_message_at: thread.at }))
        .where('id', '=', thread.threadId).execute();
    }
    await trx.insertInto('messages').values(fromMessage(message)).execute();
    await trx.insertInto('message_raw').values({ message_id: message.id, raw: this.blobs ? empty : item.raw }).execute();
    for (const a of item.attachments) {
      await trx.insertInto('attachments').values({
        id: a.id, message_id: message.id, filename: a.filename, content_type: a.contentType, size: a.size, content: this.blobs ? empty : a.content,
      }).execute();
    }
    for (const e of item.events) await trx.insertInto('message_events').values(fromEvent(e)).execute();
  }

  private async putBlobs({ message, raw, attachments }: StoredMessage): Promise<void> {
    await Promise.all([
      this.blobs!.put(rawKey(message.id), raw),
      ...attachments.map((a) => this.blobs!.put(attachmentKey(message.id, a.id), a.content)),
    ]);
  }

  async createOutbound(write: OutboundWrite): Promise<OutboundWriteResult> {
    // Another node's send with the same key (or Message-ID) committing while this one runs makes
    // this insert violate UNIQUE; writeSettled runs it again, and the record read is the answer.
    return this.writeSettled(async (trx) => {
      const idem = write.idempotency;
      if (idem) {
        const existing = await this.readIdempotency(trx, idem.orgId, idem.key);
        if (existing && existing.expiresAt > idem.createdAt) return { ok: false as const, existing };
        // An expired key is free again (kept 24 h, DESIGN §5).
        if (existing) await trx.deleteFrom('idempotency_keys').where('org_id', '=', existing.orgId).where('key', '=', existing.key).execute();
        await trx.insertInto('idempotency_keys').values({
          org_id: idem.orgId, key: idem.key, request_hash: idem.requestHash, response_status: idem.responseStatus,
          response_body: idem.responseBody, created_at: idem.createdAt, expires_at: idem.expiresAt,
        }).execute();
      }
      if (await this.isStored(trx, write.message)) throw new Error(`Message-ID ${write.message.messageId} is already stored for this inbox`);
      await this.insertStored(trx, write);
      await insertJob(trx, write.job);
      if (write.recipients?.length) await this.deliverability.rememberRecipients(trx, write.message.inboxId, write.recipients, write.message.createdAt);
      return { ok: true as const };
    });
  }

  async storeInbound(items: StoredMessage[], completeJobId?: string): Promise<Message[]> {
    // A node storing the same redelivered message concurrently: see insertStored.
    return this.writeSettled(async (trx) => {
      const stored: Message[] = [];
      // Reads do not see this body's own inserts on D1: a repeat within the call is caught here.
      const claimed = new Set<string>();
      for (const item of items) {
        const key = JSON.stringify([item.message.inboxId, item.message.messageId, item.message.direction]);
        if (claimed.has(key) || (await this.isStored(trx, item.message))) continue;
        claimed.add(key);
        await this.insertStored(trx, item);
        stored.push(item.message);
      }
      // message.received, one per stored copy, committed with it (a duplicate emits nothing).
      const events = items.filter((i) => stored.includes(i.message))
        .map((i) => messageEvent(i.message, i.attachments, i.message.createdAt)).filter((e): e is NewOrgEvent => e !== null);
      await this.eventLog.insert(trx, events);
      if (completeJobId) await trx.updateTable('jobs').set({ status: 'done', lease_owner: null, lease_until: null }).where('id', '=', completeJobId).execute();
      return stored;
    });
  }

  private async readIdempotency(trx: Tx, orgId: string, key: string): Promise<IdempotencyRecord | null> {
    const r = await trx.selectFrom('idempotency_keys').selectAll().where('org_id', '=', orgId).where('key', '=', key).executeTakeFirst();
    if (!r) return null;
    return {
      orgId: r.org_id, key: r.key, requestHash: r.request_hash, responseStatus: Number(r.response_status),
      responseBody: r.response_body, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at),
    };
  }

  getIdempotency(orgId: string, key: string): Promise<IdempotencyRecord | null> {
    return this.readIdempotency(this.db, orgId, key);
  }

  async purgeExpiredIdempotency(now: number): Promise<number> {
    const res = await this.writeOne((db) => db.deleteFrom('idempotency_keys').where('expires_at', '<', now).executeTakeFirst());
    return Number(res.numDeletedRows);
  }

  async findThreadByMessageIds(inboxId: string, messageIds: string[]): Promise<string | null> {
    if (messageIds.length === 0) return null;
    const row = await this.db.selectFrom('message_ids').select('thread_id')
      .where('inbox_id', '=', inboxId).where('message_id', 'in', messageIds)
      .orderBy('created_at', 'desc').limit(1).executeTakeFirst();
    return row?.thread_id ?? null;
  }

  async getMessage(orgId: string, id: string): Promise<Message | null> {
    const row = await this.db.selectFrom('messages').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return row ? toMessage(row) : null;
  }

  async getMessageById(id: string): Promise<Message | null> {
    const row = await this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toMessage(row) : null;
  }

  async listMessages(inboxId: string, { cursor, limit, direction, status, after }: MessageListOptions): Promise<Page<Message>> {
    let q = this.db.selectFrom('messages').selectAll().where('inbox_id', '=', inboxId);
    if (direction) q = q.where('direction', '=', direction);
    if (status) q = q.where('status', '=', status);
    if (after) {
      // Newer than `after`, oldest first: the order an agent consumes new mail in.
      const rows = await q.where('id', '>', after).orderBy('id', 'asc').limit(limit + 1).execute();
      return page(rows.map(toMessage), limit);
    }
    if (cursor) q = q.where('id', '<', cursor);
    const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
    return page(rows.map(toMessage), limit);
  }

  async listAttachments(messageId: string): Promise<AttachmentMeta[]> {
    const rows = await this.db.selectFrom('attachments').select(['id', 'message_id', 'filename', 'content_type', 'size'])
      .where('message_id', '=', messageId).orderBy('id').execute();
    return rows.map(toAttachmentMeta);
  }

  async getAttachment(messageId: string, attachmentId: string): Promise<Attachment | null> {
    if (this.blobs) {
      const r = await this.db.selectFrom('attachments').select(['id', 'message_id', 'filename', 'content_type', 'size'])
        .where('message_id', '=', messageId).where('id', '=', attachmentId).executeTakeFirst();
      return r ? { ...toAttachmentMeta(r), content: await this.readBlob(attachmentKey(messageId, attachmentId)) } : null;
    }
    const r = await this.db.selectFrom('attachments').selectAll().where('message_id', '=', messageId).where('id', '=', attachmentId).executeTakeFirst();
    return r ? { ...toAttachmentMeta(r), content: toBytes(r.content) } : null;
  }

  async getRaw(messageId: string): Promise<Uint8Array | null> {
    if (this.blobs) {
      const r = await this.db.selectFrom('message_raw').select('message_id').where('message_id', '=', messageId).executeTakeFirst();
      return r ? this.readBlob(rawKey(messageId)) : null;
    }
    const r = await this.db.selectFrom('message_raw').select('raw').where('message_id', '=', messageId).executeTakeFirst();
    return r ? toBytes(r.raw) : null;
  }

  /** A row without its bytes is a fault: the bytes are put before the row commits. */
  private async readBlob(key: string): Promise<Uint8Array> {
    const bytes = await this.blobs!.get(key);
    if (!bytes) throw new Error(`blob ${key} is missing though its row exists`);
    return bytes;
  }

  async listMessageEvents(messageId: string): Promise<MessageEvent[]> {
    const rows = await this.db.selectFrom('message_events').selectAll().where('message_id', '=', messageId).orderBy('id').execute();
    return rows.map(toEvent);
  }

  async appendMessageEvent(event: MessageEvent): Promise<void> {
    await this.write((trx) => trx.insertInto('message_events').values(fromEvent(event)).execute());
  }

  async setMessageStatus(change: StatusChange, completeJobId?: string): Promise<void> {
    await this.write(async (trx) => {
      // Read before the update, then applied here: the event carries the message as it now is.
      const row = statusEventType(change.status)
        ? await this.deciding(trx.selectFrom('messages').selectAll().where('id', '=', change.messageId)).executeTakeFirst()
        : undefined;
      const attachments = row ? await trx.selectFrom('attachments').select(['id', 'message_id', 'filename', 'content_type', 'size'])
        .where('message_id', '=', change.messageId).orderBy('id').execute() : [];
      await trx.updateTable('messages').set({ status: change.status, status_reason: change.reason, updated_at: change.event.createdAt })
        .where('id', '=', change.messageId).execute();
      await trx.insertInto('message_events').values(fromEvent(change.event)).execute();
      if (row) {
        const message: Message = { ...toMessage(row), status: change.status, statusReason: change.reason, updatedAt: change.event.createdAt };
        const event = messageEvent(message, attachments.map(toAttachmentMeta), change.event.createdAt);
        if (event) await this.eventLog.insert(trx, [event]);
      }
      if (completeJobId) await trx.updateTable('jobs').set({ status: 'done', lease_owner: null, lease_until: null }).where('id', '=', completeJobId).execute();
    });
  }

  async getThread(orgId: string, id: string): Promise<Thread | null> {
    const row = await this.db.selectFrom('threads').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return row ? toThread(row) : null;
  }

  async listThreadMessages(threadId: string, limit: number): Promise<Message[]> {
    const rows = await this.db.selectFrom('messages').selectAll().where('thread_id', '=', threadId).orderBy('id', 'asc').limit(limit).execute();
    return rows.map(toMessage);
  }

  async listThreads(orgId: string, { cursor, limit, inboxId, inboxIds }: ListOptions & { inboxId?: string; inboxIds?: string[] }): Promise<Page<Thread>> {
    if (inboxIds && inboxIds.length === 0) return { data: [], nextCursor: null };
    let q = this.db.selectFrom('threads').selectAll().where('org_id', '=', orgId);
    if (inboxId) q = q.where('inbox_id', '=', inboxId);
    if (inboxIds) q = q.where('inbox_id', 'in', inboxIds);
    if (cursor) q = q.where('id', '<', cursor);
    const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
    return page(rows.map(toThread), limit);
  }

  // The event log and webhooks: see event-log.ts and webhook-store.ts.

  appendEvents(events: NewOrgEvent[], options?: { endpointId?: string }): Promise<OrgEvent[]> { return this.eventLog.appendEvents(events, options); }
  listEvents(orgId: string, options: EventListOptions): Promise<Page<OrgEvent>> { return this.eventLog.listEvents(orgId, options); }
  latestEventId(orgId: string): Promise<string | null> { return this.eventLog.latestEventId(orgId); }
  listStaleSecrets(kind: SecretKind, prefix: string, after: string | null, limit: number): Promise<StoredSecret[]> { return this.secrets.listStaleSecrets(kind, prefix, after, limit); }
  replaceSecret(kind: SecretKind, id: string, from: string, to: string): Promise<boolean> { return this.secrets.replaceSecret(kind, id, from, to); }
  insertWebhookEndpoint(endpoint: WebhookEndpoint): Promise<void> { return this.webhooks.insertEndpoint(endpoint); }
  getWebhookEndpoint(orgId: string, id: string): Promise<WebhookEndpoint | null> { return this.webhooks.getEndpoint(orgId, id); }
  listWebhookEndpoints(orgId: string, options: ListOptions): Promise<Page<WebhookEndpoint>> { return this.webhooks.listEndpoints(orgId, options); }
  countWebhookEndpoints(orgId: string): Promise<number> { return this.webhooks.countEndpoints(orgId); }
  deleteWebhookEndpoint(orgId: string, id: string): Promise<boolean> { return this.webhooks.deleteEndpoint(orgId, id); }
  setWebhookEndpointEnabled(orgId: string, id: string, enabled: boolean, reason: string | null, at: number): Promise<WebhookEndpoint | null> {
    return this.webhooks.setEndpointEnabled(orgId, id, enabled, reason, at);
  }
  listWebhookDeliveries(endpointId: string, options: ListOptions & { status?: WebhookDeliveryStatus }): Promise<Page<WebhookDeliveryLog>> {
    return this.webhooks.listDeliveries(endpointId, options);
  }
  getWebhookDelivery(endpointId: string, id: string): Promise<WebhookDeliveryLog | null> { return this.webhooks.getDelivery(endpointId, id); }
  loadWebhookDelivery(id: string): Promise<WebhookDeliveryContext | null> { return this.webhooks.loadDelivery(id); }
  recordWebhookAttempt(write: WebhookAttemptWrite): Promise<void> { return this.webhooks.recordAttempt(write); }
  replayWebhookDelivery(endpointId: string, id: string, job: NewJob): Promise<WebhookDeliveryLog | 'in_flight' | null> {
    return this.webhooks.replayDelivery(endpointId, id, job);
  }

  // Queue (the jobs table, job-queue.ts)

  enqueue(job: NewJob): Promise<void> { return this.queue.enqueue(job); }
  claim(queue: string, owner: string, leaseMs: number, limit: number, now: number): Promise<Job[]> { return this.queue.claim(queue, owner, leaseMs, limit, now); }
  complete(jobId: string, owner: string): Promise<void> { return this.queue.complete(jobId, owner); }
  retry(jobId: string, owner: string, runAt: number, error: string): Promise<void> { return this.queue.retry(jobId, owner, runAt, error); }
  defer(jobId: string, owner: string, runAt: number): Promise<void> { return this.queue.defer(jobId, owner, runAt); }
  fail(jobId: string, owner: string, error: string): Promise<void> { return this.queue.fail(jobId, owner, error); }
  renew(jobId: string, owner: string, leaseUntil: number): Promise<boolean> { return this.queue.renew(jobId, owner, leaseUntil); }
  releaseAll(owner: string): Promise<number> { return this.queue.releaseAll(owner); }
  /** Every lease, whoever holds it: see SqlJobQueue.releaseAllLeases (single node, at start). */
  releaseAllLeases(): Promise<number> { return this.queue.releaseAllLeases(); }
  depth(queue: string, now: number): Promise<{ pending: number; oldestAgeMs: number | null }> { return this.queue.depth(queue, now); }
}
