/** Records and helpers shared by the Store and Queue contract suites. */
import { newId } from '../../core/ids.ts';
import type {
  ApiKey, Attachment, Direction, IdempotencyRecord, Inbox, Message, MessageEvent, MessageStatus, NewJob, Org,
} from '../../core/model.ts';
import type { OutboundWrite, Queue, Store, StoredMessage, ThreadWrite } from '../../core/ports.ts';

export interface StoreUnderTest {
  store: Store & Queue;
  cleanup(): Promise<void>;
}

// A realistic epoch, so precision problems of large millisecond values show up here.
export const T0 = 1_700_000_000_000;
export const DAY = 86_400_000;
export const LEASE = 30_000;

export const tag = () => crypto.randomUUID().replace(/-/g, '').slice(0, 12);
export const hex = (bytes = 32) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');

/** Every byte value, twice, in both orders: what a lossy text conversion would break. */
export const ALL_BYTES = Uint8Array.from([...Array(256).keys(), ...[...Array(256).keys()].reverse()]);

export function makeOrg(at = T0): Org {
  return { id: newId('org', at), name: `org ${tag()}`, plan: 'free', createdAt: at };
}

export function makeKey(orgId: string, over: Partial<ApiKey> = {}): ApiKey {
  const at = over.createdAt ?? T0;
  return {
    id: newId('key', at), orgId, name: 'key', hash: hex(), prefix: 'bw_abcd', scope: 'org', inboxIds: [],
    createdAt: at, revokedAt: null, ...over,
  };
}

export function makeInbox(orgId: string, at = T0, over: Partial<Inbox> = {}): Inbox {
  const username = `agent-${tag()}`;
  const domain = 'agents.test';
  return { id: newId('inb', at), orgId, username, domain, address: `${username}@${domain}`, displayName: null, createdAt: at, ...over };
}

export interface MessageOptions {
  direction?: Direction;
  status?: MessageStatus;
  messageId?: string;
  at?: number;
  /** Extend this thread instead of starting a new one. */
  threadId?: string;
  raw?: Uint8Array;
  attachments?: Array<{ filename: string; contentType: string; content: Uint8Array }>;
  eventTypes?: string[];
  autoSubmitted?: boolean;
}

export function makeStored(inbox: Inbox, o: MessageOptions = {}): StoredMessage {
  const at = o.at ?? T0;
  const direction = o.direction ?? 'outbound';
  const id = newId('msg', at);
  const thread: ThreadWrite = o.threadId
    ? { kind: 'existing', threadId: o.threadId, at }
    : { kind: 'new', thread: { id: newId('thr', at), orgId: inbox.orgId, inboxId: inbox.id, subject: 'Hello', messageCount: 1, lastMessageAt: at, createdAt: at } };
  const threadId = thread.kind === 'new' ? thread.thread.id : thread.threadId;
  const message: Message = {
    id, orgId: inbox.orgId, inboxId: inbox.id, threadId, direction,
    status: o.status ?? (direction === 'inbound' ? 'received' : 'queued'), statusReason: null,
    from: direction === 'outbound' ? `Agent Ä <${inbox.address}>` : 'Someone <someone@example.com>',
    to: direction === 'outbound' ? ['a@example.com', 'b@example.com'] : [inbox.address],
    cc: ['c@example.com'], bcc: direction === 'outbound' ? ['hidden@example.com'] : [], replyTo: null,
    subject: 'Hello — ünïcödé 📬', text: 'line 1\r\nline 2', html: '<p>hi</p>',
    headers: { 'X-Trace': 'abc', 'List-Unsubscribe': '<mailto:u@example.com>' },
    messageId: o.messageId ?? `<${tag()}@agents.test>`, inReplyTo: null, references: [],
    auth: direction === 'inbound' ? { spf: 'pass', dkim: 'none', dmarc: 'fail' } : null,
    autoSubmitted: o.autoSubmitted ?? false, createdAt: at, updatedAt: at,
  };
  const attachments: Attachment[] = (o.attachments ?? []).map((a) => ({
    id: newId('att', at), messageId: id, filename: a.filename, contentType: a.contentType, size: a.content.byteLength, content: a.content,
  }));
  const events: MessageEvent[] = (o.eventTypes ?? [message.status]).map((type, i) => ({
    id: newId('evt', at + i), messageId: id, type, detail: i === 0 ? { via: 'api', n: 1 } : null, createdAt: at + i,
  }));
  return { message, attachments, raw: o.raw ?? new TextEncoder().encode(`Subject: Hello\r\n\r\n${id}\r\n`), thread, events };
}

export function makeJob(queue: string, runAt: number, payload: Record<string, unknown> = {}): NewJob {
  return { id: newId('job', runAt), queue, payload: { n: 1, nested: { s: 'ü' }, ...payload }, runAt };
}

export function idempotency(orgId: string, key: string, body: unknown, at = T0, ttl = DAY): IdempotencyRecord {
  return {
    orgId, key, requestHash: hex(), responseStatus: 202, responseBody: JSON.stringify(body), createdAt: at, expiresAt: at + ttl,
  };
}

export function outboundWrite(item: StoredMessage, queue: string, idem: IdempotencyRecord | null = null): OutboundWrite {
  return { ...item, job: makeJob(queue, item.message.createdAt, { messageId: item.message.id }), idempotency: idem };
}

export const ids = <T extends { id: string }>(xs: T[]) => xs.map((x) => x.id);

