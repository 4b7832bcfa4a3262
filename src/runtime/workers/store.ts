import { D1Store } from '../../adapters/store/d1/d1-store.ts';
import { routedStore } from '../../adapters/store/d1/routed-store.ts';
import type { Queue, Store } from '../../core/ports.ts';
import type { BreakwaterEnv } from './env.ts';
import type { WriteOutcome } from './objects/store-writer.ts';

export interface WorkerStores {
  /** The Store and Queue ports: reads from this isolate's D1, writes through the StoreWriter object. */
  store: Store & Queue;
  /**
   * This isolate's D1Store, for what the ports do not cover: the Kysely handle (list entries,
   * operator reads) and the deliverability tables (domains, suppressions, reputation).
   */
  local: D1Store;
}

/** D1 for rows and jobs, R2 for raw MIME and attachments; one place to change when the store's wiring does. */
export function openWorkerStores(env: BreakwaterEnv): WorkerStores {
  const local = new D1Store(env.DB, { blobs: env.BLOBS });
  const store = routedStore(local, {
    async write(method, args) {
      // A stub per call: the composition lives for the isolate, and workerd refuses a stub made
      // while serving one request to any other request ("Cannot perform I/O on behalf of a different request").
      const writer = env.STORE_WRITER.get(env.STORE_WRITER.idFromName('primary'));
      const outcome = (await writer.write(method, args)) as WriteOutcome;
      if (outcome.ok) return outcome.value;
      throw Object.assign(new Error(outcome.error.message), outcome.error);
    },
  });
  return { store, local };
}
