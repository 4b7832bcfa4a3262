import type { Queue, Store } from '../../../core/ports.ts';

type StoreMethod = keyof (Store & Queue);

/** Where a call goes: `read` to this isolate's store, `write` to the one writer, `local` stays here. */
export type Route = 'read' | 'write' | 'local';

/**
 * Every Store and Queue method, classified. The type requires each key (optional ones too), so a
 * method added to the ports does not compile until it is routed here.
 */
export const ROUTES: { readonly [K in StoreMethod]-?: Route } = {
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
  releaseAll: 'write',
  depth: 'read',
};

export type WriteMethod = { [K in StoreMethod]: (typeof ROUTES)[K] extends 'write' ? K : never }[StoreMethod];

export function isWriteMethod(method: string): method is WriteMethod {
  return Object.hasOwn(ROUTES, method) && ROUTES[method as StoreMethod] === 'write';
}

/** The one writer (the StoreWriter Durable Object's RPC stub, or anything that runs a write method). */
export interface StoreWriterRpc {
  write(method: WriteMethod, args: unknown[]): Promise<unknown>;
}

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/**
 * A Store and Queue whose reads go to `reads` (this isolate's D1Store) and whose writes go to
 * `writer`, so the database sees one writer whichever isolate serves the request. A write's
 * result comes back from the writer; a read right after it sees it (D1 commits before answering).
 */
export function routedStore(reads: Store & Queue, writer: StoreWriterRpc): Store & Queue {
  const methods = Object.entries(ROUTES).map(([method, route]) => {
    const call: AnyMethod = route === 'write'
      ? (...args) => writer.write(method as WriteMethod, args)
      : (...args) => (reads as unknown as Record<string, AnyMethod>)[method]!(...args);
    return [method, call] as const;
  });
  return Object.fromEntries(methods) as unknown as Store & Queue;
}
