import { D1Store } from '../../adapters/store/d1/d1-store.ts';
import { routed } from '../../adapters/store/d1/routed-store.ts';
import type { DeliverabilityStore } from '../../core/deliverability.ts';
import type { ListStore } from '../../core/inbound/lists.ts';
import type { Queue, Store } from '../../core/ports.ts';
import type { BreakwaterEnv } from './env.ts';
import { storeWriterRpc } from './objects/store-writer.ts';

export interface WorkerStores {
  /** The Store and Queue ports: reads from this isolate's D1, writes through the StoreWriter object. */
  store: Store & Queue;
  /** Domains, DKIM keys, suppressions, reputation, recipient history: routed the same way. */
  deliverability: DeliverabilityStore;
  /** Allow and block list entries: routed the same way. */
  lists: ListStore;
  /**
   * This isolate's D1Store, read-only: the Kysely handle for operator reads. Any write through it
   * fails at once (D1ReadOnlyError) instead of bypassing the one writer.
   */
  local: D1Store;
}

/** D1 for rows and jobs, R2 for raw MIME and attachments; one place to change when the store's wiring does. */
export function openWorkerStores(env: Pick<BreakwaterEnv, 'DB' | 'BLOBS' | 'STORE_WRITER'>): WorkerStores {
  const local = new D1Store(env.DB, { blobs: env.BLOBS, readOnly: true });
  const writer = storeWriterRpc(env);
  return {
    store: routed('store', local, writer),
    deliverability: routed('deliverability', local.deliverability, writer),
    lists: routed('lists', local.lists, writer),
    local,
  };
}
