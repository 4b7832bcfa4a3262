import type { DeliverabilityStore } from '../../../core/deliverability.ts';
import type { ListStore } from '../../../core/inbound/lists.ts';
import type { Queue, Store } from '../../../core/ports.ts';

/**
 * The ports whose writes leave the isolate for the one writer (the StoreWriter Durable Object),
 * by the name a write carries over RPC. Every one of them writes D1 with read-then-batch bodies,
 * which are race-free only when one writer runs them one at a time.
 */
export interface WritePorts {
  store: Store & Queue;
  /** Domains, DKIM keys, suppressions, reputation, recipient history. */
  deliverability: DeliverabilityStore;
  /** Allow and block list entries. */
  lists: ListStore;
}

export type WritePort = keyof WritePorts;

/** Where a call goes: `read` to this isolate's store, `write` to the one writer, `local` stays here. */
export type Route = 'read' | 'write' | 'local';

/** Every method of a port, optional ones too: a method added to a port does not compile until it is routed. */
type RouteTable<T> = { readonly [K in keyof T]-?: Route };

const STORE = {
  migrate: 'write',
  close: 'local',
  ping: 'read',
  createOrg: 'write',
  getOrg: 'read',
  insertKey: 'write',
  getKeyByHash: 'read',
  getKey: 'read',
  listKeys: 'read',
  revokeKey: 'write',
  insertInbox: 'write',
  getInbox: 'read',
  ownerOrgOf: 'read',
  getInboxByAddress: 'read',
  listInboxes: 'read',
  countInboxes: 'read',
  updateInbox: 'write',
  deleteInbox: 'write',
  createOutbound: 'write',
  storeInbound: 'write',
  getIdempotency: 'read',
  purgeExpiredIdempotency: 'write',
  findThreadByMessageIds: 'read',
  getMessage: 'read',
  getMessageById: 'read',
  listMessages: 'read',
  listAttachments: 'read',
  getAttachment: 'read',
  getRaw: 'read',
  listMessageEvents: 'read',
  appendMessageEvent: 'write',
  setMessageStatus: 'write',
  getThread: 'read',
  listThreadMessages: 'read',
  listThreads: 'read',
  appendEvents: 'write',
  listEvents: 'read',
  latestEventId: 'read',
  listStaleSecrets: 'read',
  replaceSecret: 'write',
  insertWebhookEndpoint: 'write',
  getWebhookEndpoint: 'read',
  listWebhookEndpoints: 'read',
  countWebhookEndpoints: 'read',
  deleteWebhookEndpoint: 'write',
  setWebhookEndpointEnabled: 'write',
  listWebhookDeliveries: 'read',
  getWebhookDelivery: 'read',
  loadWebhookDelivery: 'read',
  recordWebhookAttempt: 'write',
  replayWebhookDelivery: 'write',
  enqueue: 'write',
  claim: 'write',
  complete: 'write',
  retry: 'write',
  defer: 'write',
  fail: 'write',
  renew: 'write',
  releaseAll: 'write',
  depth: 'read',
} as const satisfies RouteTable<Store & Queue>;

const DELIVERABILITY = {
  insertDomain: 'write',
  getDomain: 'read',
  listAllDomains: 'read',
  listDomains: 'read',
  saveDomainCheck: 'write',
  putSuppression: 'write',
  listSuppressions: 'read',
  getSuppression: 'read',
  deleteSuppression: 'write',
  suppressedAmong: 'read',
  knownRecipients: 'read',
  loadReputation: 'read',
  listUnhealthy: 'read',
  recordReputation: 'write',
  findOutboundByMessageId: 'read',
  addMessageEvent: 'write',
  // Puts the signed bytes into R2 (or the raw column): a write wherever the bytes live.
  saveSignedRaw: 'write',
} as const satisfies RouteTable<DeliverabilityStore>;

const LISTS = {
  loadEntries: 'read',
  pageEntries: 'read',
  insertEntry: 'write',
  countEntries: 'read',
  getEntry: 'read',
  deleteEntry: 'write',
} as const satisfies RouteTable<ListStore>;

/** Every routed port's methods, classified; `satisfies` keeps each route's literal for WriteMethod. */
export const ROUTES = { store: STORE, deliverability: DELIVERABILITY, lists: LISTS } as const satisfies { readonly [P in WritePort]: RouteTable<WritePorts[P]> };

type Routes<P extends WritePort> = (typeof ROUTES)[P];

/** The names of a port's write methods: what the StoreWriter may run. */
export type WriteMethod<P extends WritePort> = { [K in keyof Routes<P>]: Routes<P>[K] extends 'write' ? K : never }[keyof Routes<P>] & string;

/** True when `port` is routed and `method` is one of its writes: RPC hands over any strings. */
export function isWriteMethod<P extends WritePort>(port: P, method: string): method is WriteMethod<P>;
export function isWriteMethod(port: string, method: string): boolean;
export function isWriteMethod(port: string, method: string): boolean {
  if (!Object.hasOwn(ROUTES, port)) return false;
  const table = ROUTES[port as WritePort] as Readonly<Record<string, Route>>;
  return Object.hasOwn(table, method) && table[method] === 'write';
}
