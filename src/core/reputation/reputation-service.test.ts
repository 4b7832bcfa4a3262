import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryNotifier } from '../../adapters/notifier/memory/memory-notifier.ts';
import { SqliteStore } from '../../adapters/store/sqlite/sqlite-store.ts';
import type { Logger } from '../ports.ts';
import { ReputationService } from './reputation-service.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 5, 1, 12);
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const inbox = { id: 'inb_01JX0000000000000000000000', orgId: 'org_01JX0000000000000000000000', address: 'agent@agents.localhost' };

describe('ReputationService (SQLite, injected clock)', () => {
  let store: SqliteStore;
  let now: number;
  let rep: ReputationService;
  const make = () => new ReputationService({ store: store.deliverability, clock: () => now, notifier: new MemoryNotifier(), logger: quiet });

  beforeEach(async () => {
    store = new SqliteStore({ filename: ':memory:' });
    await store.migrate();
    now = T0;
    rep = make();
    await rep.load();
  });
  afterEach(() => store.close());

  async function sendMany(n: number, prefix = 'm') {
    for (let i = 0; i < n; i++) await rep.recordSent(inbox, `${prefix}${i}`, 1, 0);
  }

  const changes = async () => (await store.listEvents(inbox.orgId, { after: null, limit: 100, types: ['inbox.reputation_changed'] })).data.map((e) => e.data);

  it('counts per recipient and reports the rates over the window', async () => {
    await rep.recordSent(inbox, 'a', 3, 1);
    await rep.recordHardBounce(inbox, 'a', 1);
    const r = await rep.report(inbox);
    expect(r).toMatchObject({ state: 'healthy', counts: { sent: 3, delivered: 1, bounced: 1, complained: 0 }, complaintRate: 0 });
    expect(r.bounceRate).toBeCloseTo(1 / 3);
  });

  it('walks healthy → warning → throttled → paused, one inbox.reputation_changed event per change, and the hot path follows', async () => {
    await sendMany(30);
    expect(rep.stateOf(inbox.id)).toBe('healthy');
    const states = [];
    for (const id of ['m0', 'm10', 'm20']) states.push(await rep.recordHardBounce(inbox, id, 1));
    expect(states).toEqual(['warning', 'throttled', 'paused']);
    expect(rep.stateOf(inbox.id)).toBe('paused');
    const events = await changes();
    expect(events.map((e) => `${e.previous_state}→${e.state}`)).toEqual(['healthy→warning', 'warning→throttled', 'throttled→paused']);
    expect(events[2]).toMatchObject({ inbox_id: inbox.id, address: inbox.address, sent: 30, bounced: 3, bounce_rate: 0.1, reason: expect.stringMatching(/bounce rate 10\.0%/) });
  });

  it('keeps the state and counts across a restart (read from the store)', async () => {
    await sendMany(20);
    await rep.recordHardBounce(inbox, 'm1', 1);
    await rep.recordHardBounce(inbox, 'm2', 1);
    const again = make();
    await again.load();
    expect(again.stateOf(inbox.id)).toBe('paused');
    expect(await again.report(inbox)).toMatchObject({ state: 'paused', counts: { sent: 20, bounced: 2 } });
    // A fresh process knows nothing of a healthy inbox until asked, and answers healthy.
    expect(again.stateOf('inb_other')).toBe('healthy');
  });

  it('rolls the window: counts older than 30 days drop out', async () => {
    await sendMany(20);
    await rep.recordHardBounce(inbox, 'm1', 1);
    now += 29 * DAY;
    expect((await rep.report(inbox)).counts).toMatchObject({ sent: 20, bounced: 1 });
    now += DAY;
    expect((await rep.report(inbox)).counts).toMatchObject({ sent: 0, bounced: 0 });
    // And a reloaded process sees the same window.
    const again = make();
    expect((await again.report(inbox)).counts.sent).toBe(0);
  });

  it('recovers throttled → warning → healthy after runs of 50 clean sends', async () => {
    await sendMany(5, 'bad');
    for (let i = 0; i < 5; i++) await rep.recordHardBounce(inbox, `bad${i}`, 1);
    expect(rep.stateOf(inbox.id)).toBe('throttled');
    // 5 bounces in 5 sends stays ≥ 5 % until 100 sends: the rate holds throttled while the runs pass.
    await sendMany(50);
    expect(rep.stateOf(inbox.id)).toBe('throttled');
    await sendMany(50, 'n');
    expect(rep.stateOf(inbox.id)).toBe('warning');
    now += 31 * DAY; // the bounces leave the window
    await sendMany(50, 'o');
    expect(rep.stateOf(inbox.id)).toBe('healthy');
    expect((await changes()).map((e) => e.state)).toEqual(['throttled', 'warning', 'healthy']);
  });

  it('resume: paused → warning, recorded with who did it', async () => {
    await sendMany(20);
    await rep.recordHardBounce(inbox, 'm1', 1);
    await rep.recordHardBounce(inbox, 'm2', 1);
    expect(await rep.resume(inbox, 'operator')).toBe('warning');
    expect(rep.stateOf(inbox.id)).toBe('warning');
    expect((await changes()).at(-1)).toMatchObject({ previous_state: 'paused', state: 'warning', reason: 'resumed by the operator' });
    // The history stands: the next hard bounce weighs it again.
    expect(await rep.recordHardBounce(inbox, 'm3', 1)).toBe('paused');
  });

  it('concurrent outcomes of one inbox are all counted', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => rep.recordSent(inbox, `c${i}`, 1, 0)));
    expect((await make().report(inbox)).counts.sent).toBe(40);
  });
});
