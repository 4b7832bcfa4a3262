import { describe, expect, it } from 'vitest';
import { ListRegistry } from './list-registry.ts';
import type { ListEntry, ListStore } from './lists.ts';

/** A ListStore with one org's entries and a load counter; loads resolve when told to. */
function fakeStore(entries: ListEntry[]) {
  const pending: Array<() => void> = [];
  let loads = 0;
  const store = {
    loadEntries: async () => {
      loads++;
      const snapshot = [...entries];
      await new Promise<void>((r) => pending.push(r));
      return snapshot;
    },
  } as unknown as ListStore;
  return { store, entries, release: () => pending.splice(0).forEach((r) => r()), loads: () => loads };
}

const block = (pattern: string): ListEntry => ({ id: `lst_${pattern}`, orgId: 'org_1', inboxId: null, direction: 'inbound', action: 'block', pattern, note: null, createdAt: 0 });
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('ListRegistry', () => {
  it('one load for concurrent first checks; cached after; a stale org is answered while one refresh runs', async () => {
    const now = { t: 0 };
    const f = fakeStore([block('a.example')]);
    const reg = new ListRegistry({ store: f.store, clock: () => now.t, ttlMs: 1000 });
    const both = Promise.all([reg.index('org_1'), reg.index('org_1')]);
    f.release();
    const [x, y] = await both;
    expect(x).toBe(y);
    expect(f.loads()).toBe(1);
    expect((await reg.decide('org_1', 'inb_1', 'inbound', 'z@a.example')).allowed).toBe(false);
    f.entries.push(block('b.example'));
    now.t = 2000;
    // Stale: the old copy answers at once, and a refresh starts behind it.
    expect((await reg.decide('org_1', 'inb_1', 'inbound', 'z@b.example')).allowed).toBe(true);
    expect(f.loads()).toBe(2);
    f.release();
    await tick();
    expect((await reg.decide('org_1', 'inb_1', 'inbound', 'z@b.example')).allowed).toBe(false);
  });

  it('a change made during a load is not lost: invalidate() discards that load', async () => {
    const f = fakeStore([]);
    const reg = new ListRegistry({ store: f.store, clock: () => 0 });
    const first = reg.index('org_1');
    f.entries.push(block('late.example'));
    reg.invalidate('org_1');
    const second = reg.index('org_1');
    f.release();
    await first;
    f.release();
    expect((await second).decide('inb_1', 'inbound', 'x@late.example').allowed).toBe(false);
    expect((await reg.index('org_1')).decide('inb_1', 'inbound', 'x@late.example').allowed).toBe(false);
  });
});
