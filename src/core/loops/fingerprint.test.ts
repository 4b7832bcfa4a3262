import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprint } from './fingerprint.ts';

const base = { keyId: 'key_1', method: 'POST', path: '/v1/inboxes/inb_1/messages' };
const fp = (body: unknown, over: Partial<typeof base> = {}) => fingerprint({ ...base, ...over, body });

describe('fingerprint', () => {
  it('is the key id and 16 hex digits', () => {
    expect(fp({ to: ['a@example.com'] })).toMatch(/^key_1:[0-9a-f]{16}$/);
  });

  it('is stable under key order at every depth', () => {
    expect(fp({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(fp({ b: { d: 'x', c: [1, 2] }, a: 1 }));
  });

  it('ignores volatile fields at any depth and in any spelling', () => {
    const body = { to: ['a@example.com'], subject: 'hi', metadata: { trace: 't' } };
    const stamped = {
      ...body,
      idempotency_key: 'k1',
      requestId: 'r1',
      Timestamp: 123,
      nonce: 'n',
      'created-at': '2025-01-01',
      metadata: { trace: 't', request_id: 'r2' },
    };
    expect(fp(stamped)).toBe(fp(body));
  });

  it('tells apart anything else that differs', () => {
    const prints = [
      fp({ subject: 'a' }),
      fp({ subject: 'b' }),
      fp({ subject: 'a' }, { keyId: 'key_2' }),
      fp({ subject: 'a' }, { method: 'PUT' }),
      fp({ subject: 'a' }, { path: '/v1/inboxes/inb_2/messages' }),
      fp({ subject: 'a', to: [] }),
      fp({ subject: ['a'] }),
      fp({ subject: 1 }),
      fp({ subject: '1' }),
      fp({ subject: true }),
      fp({ subject: null }),
      fp(['ab', 'c']),
      fp(['a', 'bc']),
      fp([['a'], []]),
      fp([[], ['a']]),
      fp({ 'a.1:b': 1 }),
      fp({ a: { b: 1 } }),
      fp(undefined),
      fp(null),
      fp(''),
    ];
    expect(new Set(prints).size).toBe(prints.length);
  });

  it('treats the method case-insensitively and drops undefined like JSON', () => {
    expect(fp({ a: 1, b: undefined }, { method: 'post' })).toBe(fp({ a: 1 }));
  });

  it('survives nesting that would overflow a recursive walk', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(fp(deep)).toMatch(/^key_1:/);
  });

  it('equals itself after a JSON round trip with shuffled keys', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const shuffled = JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)));
        expect(fp(shuffled)).toBe(fp(value));
      }),
    );
  });
});
