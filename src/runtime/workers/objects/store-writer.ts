import { DurableObject } from 'cloudflare:workers';
import { D1Store } from '../../../adapters/store/d1/d1-store.ts';
import { isWriteMethod, routedStore, type StoreWriterRpc, type WriteMethod } from '../../../adapters/store/d1/routed-store.ts';
import type { Queue, Store } from '../../../core/ports.ts';
import type { BreakwaterEnv } from '../env.ts';

/** The one StoreWriter of a deployment: every isolate's writes meet in it. */
const WRITER_NAME = 'primary';

/**
 * A write's answer over RPC. Faults travel as values: a thrown error would lose its `code` (what
 * tells a UNIQUE violation apart) on the way, and workerd logs it as uncaught in the object.
 */
export type WriteOutcome = { ok: true; value: unknown } | { ok: false; error: { name: string; message: string; code?: string } };

/**
 * Every write of the Worker, from any isolate, runs here, in one D1Store whose writes run one
 * at a time. So the D1 primary sees one writer, as single-node SQLite does: a write body's reads
 * and its batch see no other writer in between, and event ids, drawn here, stay in commit order.
 * Bodies go to R2 (BLOBS) before the rows that point to them commit.
 */
export class StoreWriter extends DurableObject<BreakwaterEnv> {
  private readonly store: D1Store;

  constructor(ctx: DurableObjectState, env: BreakwaterEnv) {
    super(ctx, env);
    this.store = new D1Store(env.DB, { blobs: env.BLOBS });
  }

  /** Runs the named Store or Queue write method with its arguments; refuses any other name. */
  async write(method: WriteMethod, args: unknown[]): Promise<WriteOutcome> {
    try {
      // RPC hands over any string: only the write table's names run.
      if (!isWriteMethod(method)) throw new TypeError(`not a store write: ${String(method)}`);
      return { ok: true, value: await (this.store[method] as (...a: unknown[]) => Promise<unknown>)(...args) };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      const code = (e as { code?: unknown }).code;
      return { ok: false, error: { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) } };
    }
  }
}

/** The StoreWriter's RPC as routedStore's writer: an outcome that is a fault is thrown again here. */
export function storeWriterRpc(env: Pick<BreakwaterEnv, 'STORE_WRITER'>): StoreWriterRpc {
  return {
    async write(method, args) {
      // A stub per call: workerd refuses a stub made while serving one request to any other.
      const writer = env.STORE_WRITER.get(env.STORE_WRITER.idFromName(WRITER_NAME));
      const outcome = (await writer.write(method, args)) as WriteOutcome;
      if (outcome.ok) return outcome.value;
      throw Object.assign(new Error(outcome.error.message), outcome.error);
    },
  };
}

/** The Worker's Store and Queue: reads from this isolate's D1 (and R2), writes through the StoreWriter. */
export function writerRoutedStore(env: Pick<BreakwaterEnv, 'DB' | 'BLOBS' | 'STORE_WRITER'>): Store & Queue {
  return routedStore(new D1Store(env.DB, { blobs: env.BLOBS }), storeWriterRpc(env));
}
