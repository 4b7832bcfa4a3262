import { DurableObject } from 'cloudflare:workers';
import { D1Store } from '../../../adapters/store/d1/d1-store.ts';
import { isStoreFault } from '../../../adapters/store/sql/store-faults.ts';
import { StoreUnavailableError } from '../../../core/errors.ts';
import type { StoreWriterRpc } from '../../../adapters/store/d1/routed-store.ts';
import { isWriteMethod, type WritePort, type WritePorts } from '../../../adapters/store/d1/write-routes.ts';
import { createConsoleLogger } from '../console-logger.ts';
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
 * at a time: the Store and Queue, deliverability (domains, DKIM keys, suppressions, reputation)
 * and list entries alike. So the D1 primary sees one writer, as single-node SQLite does: a write
 * body's reads and its batch see no other writer in between, and event ids, drawn here, stay in
 * commit order. Bodies go to R2 (BLOBS) before the rows that point to them commit.
 */
export class StoreWriter extends DurableObject<BreakwaterEnv> {
  private readonly ports: WritePorts;

  constructor(ctx: DurableObjectState, env: BreakwaterEnv) {
    super(ctx, env);
    // Warn-level whatever BREAKWATER_LOG_LEVEL says: the object must start even when a variable is bad.
    const logger = createConsoleLogger('warn', { service: 'breakwater', object: 'StoreWriter' });
    const store = new D1Store(env.DB, {
      blobs: env.BLOBS,
      onStall: (stallMs) => logger.warn({ stallMs }, 'a store write has not settled; the next write no longer waits for it'),
    });
    this.ports = { store, deliverability: store.deliverability, lists: store.lists };
  }

  /** Runs the named port's write method with its arguments; refuses any other name. */
  async write(port: WritePort, method: string, args: unknown[]): Promise<WriteOutcome> {
    try {
      // RPC hands over any strings: only the write table's names run.
      if (!isWriteMethod(port, method)) throw new TypeError(`not a store write: ${String(port)}.${String(method)}`);
      const target = this.ports[port] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      return { ok: true, value: await target[method]!(...args) };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      const code = (e as { code?: unknown }).code;
      // A store fault travels with its cause's words: they are what the operator's log needs.
      const message = e instanceof StoreUnavailableError && e.cause instanceof Error ? e.cause.message : e.message;
      return { ok: false, error: { name: e.name, message, ...(typeof code === 'string' ? { code } : {}) } };
    }
  }
}

/** The StoreWriter's RPC as the routed ports' writer: an outcome that is a fault is thrown again here. */
export function storeWriterRpc(env: Pick<BreakwaterEnv, 'STORE_WRITER'>): StoreWriterRpc {
  return {
    async write(port, method, args) {
      // A stub per call: the composition lives for the isolate, and workerd refuses a stub made
      // while serving one request to any other request ("Cannot perform I/O on behalf of a different request").
      const writer = env.STORE_WRITER.get(env.STORE_WRITER.idFromName(WRITER_NAME));
      let outcome: WriteOutcome;
      try {
        outcome = (await writer.write(port, method, args)) as WriteOutcome;
      } catch (err) {
        // The object itself out of reach (reset, overloaded, the network): the store is, for this request.
        throw isStoreFault(err) ? new StoreUnavailableError(err) : err;
      }
      if (outcome.ok) return outcome.value;
      const failure = Object.assign(new Error(outcome.error.message), outcome.error);
      throw outcome.error.name === 'StoreUnavailableError' ? new StoreUnavailableError(failure) : failure;
    },
  };
}
