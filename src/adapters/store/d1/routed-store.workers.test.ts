import { env } from 'cloudflare:workers';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { DeliverabilityStore } from '../../../core/deliverability.ts';
import type { ListStore } from '../../../core/inbound/lists.ts';
import type { Queue, Store } from '../../../core/ports.ts';
import { D1Store } from './d1-store.ts';
import { routed } from './routed-store.ts';
import { isWriteMethod, ROUTES, type WriteMethod, type WritePort } from './write-routes.ts';

describe('write routes', () => {
  it('classify every method of every routed port', () => {
    // Checked by tsc: a method added to a port and missing from its table fails here and in ROUTES.
    expectTypeOf<keyof typeof ROUTES.store>().toEqualTypeOf<keyof (Store & Queue)>();
    expectTypeOf<keyof typeof ROUTES.deliverability>().toEqualTypeOf<keyof DeliverabilityStore>();
    expectTypeOf<keyof typeof ROUTES.lists>().toEqualTypeOf<keyof ListStore>();
    expectTypeOf<WriteMethod<'lists'>>().toEqualTypeOf<'insertEntry' | 'deleteEntry'>();
    const store = new D1Store(env.DB);
    const targets: Record<WritePort, object> = { store, deliverability: store.deliverability, lists: store.lists };
    for (const [port, table] of Object.entries(ROUTES)) {
      for (const method of Object.keys(table)) {
        expect(typeof (targets[port as WritePort] as Record<string, unknown>)[method], `${port}.${method}`).toBe('function');
      }
    }
  });

  it('name as writes only the write routes of a known port', () => {
    expect(isWriteMethod('deliverability', 'putSuppression')).toBe(true);
    expect(isWriteMethod('deliverability', 'getSuppression')).toBe(false);
    expect(isWriteMethod('lists', 'insertEntry')).toBe(true);
    expect(isWriteMethod('lists', 'rememberRecipients')).toBe(false);
    // A write of one port is not a write of another, nor of a port that does not exist.
    expect(isWriteMethod('lists', 'putSuppression')).toBe(false);
    expect(isWriteMethod('elsewhere', 'insertEntry')).toBe(false);
    expect(isWriteMethod('store', 'toString')).toBe(false);
    expect(isWriteMethod('store', 'constructor')).toBe(false);
    expect(isWriteMethod('toString', 'call')).toBe(false);
  });
});

describe('routed', () => {
  for (const port of Object.keys(ROUTES) as WritePort[]) {
    it(`sends each ${port} method where its route says, with its arguments, and answers what that side answered`, async () => {
      const calls: Array<{ side: 'reads' | 'writer'; port?: string; method: string; args: unknown[] }> = [];
      const reads = new Proxy({}, {
        get: (_, method: string) => async (...args: unknown[]) => {
          calls.push({ side: 'reads', method, args });
          return `read:${method}`;
        },
      });
      const routedPort = routed(port, reads as never, {
        async write(to, method, args) {
          calls.push({ side: 'writer', port: to, method, args });
          return `wrote:${method}`;
        },
      });
      for (const [method, route] of Object.entries(ROUTES[port])) {
        calls.length = 0;
        const answer = await (routedPort as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(1, 'two');
        const side = route === 'write' ? { side: 'writer', port } : { side: 'reads' };
        expect(calls, method).toEqual([{ ...side, method, args: [1, 'two'] }]);
        expect(answer).toBe(route === 'write' ? `wrote:${method}` : `read:${method}`);
        expect(isWriteMethod(port, method)).toBe(route === 'write');
      }
    });
  }
});
