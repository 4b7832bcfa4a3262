import { env } from 'cloudflare:workers';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Queue, Store } from '../../../core/ports.ts';
import { D1Store } from './d1-store.ts';
import { isWriteMethod, routedStore, ROUTES, type WriteMethod } from './routed-store.ts';

describe('routedStore', () => {
  it('classifies every Store and Queue method', () => {
    // Checked by tsc: a method added to the ports and missing from ROUTES fails here and in ROUTES.
    expectTypeOf<keyof typeof ROUTES>().toEqualTypeOf<keyof (Store & Queue)>();
    const store = new D1Store(env.DB);
    for (const method of Object.keys(ROUTES)) expect(typeof (store as unknown as Record<string, unknown>)[method], method).toBe('function');
  });

  it('sends each method where its route says, with its arguments, and answers what that side answered', async () => {
    const calls: Array<{ side: 'reads' | 'writer'; method: string; args: unknown[] }> = [];
    const reads = new Proxy({}, {
      get: (_, method: string) => async (...args: unknown[]) => {
        calls.push({ side: 'reads', method, args });
        return `read:${method}`;
      },
    }) as Store & Queue;
    const routed = routedStore(reads, {
      async write(method: WriteMethod, args: unknown[]) {
        calls.push({ side: 'writer', method, args });
        return `wrote:${method}`;
      },
    });
    for (const [method, route] of Object.entries(ROUTES)) {
      calls.length = 0;
      const answer = await (routed as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(1, 'two');
      expect(calls, method).toEqual([{ side: route === 'write' ? 'writer' : 'reads', method, args: [1, 'two'] }]);
      expect(answer).toBe(route === 'write' ? `wrote:${method}` : `read:${method}`);
      expect(isWriteMethod(method)).toBe(route === 'write');
    }
    expect(isWriteMethod('toString')).toBe(false);
    expect(isWriteMethod('constructor')).toBe(false);
  });
});
