import type { Queue, Store } from '../../../core/ports.ts';
import { ROUTES, type WriteMethod, type WritePort, type WritePorts } from './write-routes.ts';

/** The one writer (the StoreWriter Durable Object's RPC stub, or anything that runs a port's write method). */
export interface StoreWriterRpc {
  write<P extends WritePort>(port: P, method: WriteMethod<P>, args: unknown[]): Promise<unknown>;
}

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/**
 * A port whose reads go to `reads` (this isolate's D1Store or one of its parts) and whose writes
 * go to `writer`, so the database sees one writer whichever isolate serves the request. A write's
 * result comes back from the writer; a read right after it sees it (D1 commits before answering).
 */
export function routed<P extends WritePort>(port: P, reads: WritePorts[P], writer: StoreWriterRpc): WritePorts[P] {
  const methods = Object.entries(ROUTES[port]).map(([method, route]) => {
    const call: AnyMethod = route === 'write'
      ? (...args) => writer.write(port, method as WriteMethod<P>, args)
      : (...args) => (reads as unknown as Record<string, AnyMethod>)[method]!(...args);
    return [method, call] as const;
  });
  return Object.fromEntries(methods) as unknown as WritePorts[P];
}

/** The Store and Queue ports, routed. */
export function routedStore(reads: Store & Queue, writer: StoreWriterRpc): Store & Queue {
  return routed('store', reads, writer);
}
