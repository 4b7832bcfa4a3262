/**
 * The deliverability store on both dialects: SQLite (always) and PostgreSQL (when the machine
 * has one; under CI it must). Same tests, real databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServices, throwawayDatabase, type ThrowawayDatabase } from '../../../../test/helpers/services.ts';
import type { Domain } from '../../../core/domains/domain.ts';
import { newId } from '../../../core/ids.ts';
import { PostgresStore } from '../postgres/postgres-store.ts';
import { SqliteStore } from '../sqlite/sqlite-store.ts';
import type { KyselyStore } from './kysely-store.ts';

const T0 = Date.UTC(2025, 5, 1, 12);
const DAY0 = Math.floor(T0 / 86_400_000);

function domain(orgId: string | null, name: string, at = T0): Domain {
  return {
    id: newId('dom', at), orgId, name, status: 'pending', dkimSelector: 'bwtest', dkimAlgorithm: 'rsa', dkimPrivateKey: 'MIIE', dkimPublicDns: 'MIIB',
    records: [{ purpose: 'mx', type: 'MX', name, value: 'mx.example', priority: 10, status: 'pending' }], createdAt: at, verifiedAt: null, checkedAt: null,
  };
}

function contract(dialect: string, open: () => Promise<KyselyStore>) {
  describe(`deliverability store on ${dialect}`, () => {
    let store: KyselyStore;
    const org = () => newId('org');
    beforeAll(async () => { store = await open(); });

    it('keeps one claim per org and name, the default domain once, and lists an org\'s newest first', async () => {
      const d = store.deliverability;
      const [a, b] = [org(), org()];
      const first = domain(a, 'x.example.com', T0);
      expect(await d.insertDomain(first)).toBe(true);
      expect(await d.insertDomain(domain(a, 'x.example.com', T0 + 1))).toBe(false);
      expect(await d.insertDomain(domain(b, 'x.example.com', T0 + 2))).toBe(true);
      const def = `default-${newId('dom').toLowerCase().slice(4, 12)}.example`;
      expect(await d.insertDomain(domain(null, def, T0 + 3))).toBe(true);
      expect(await d.insertDomain(domain(null, def, T0 + 4))).toBe(false);
      const second = domain(a, 'y.example.com', T0 + 5);
      await d.insertDomain(second);
      const page = await d.listDomains(a, { limit: 1 });
      expect(page.data.map((x) => x.name)).toEqual(['y.example.com']);
      expect((await d.listDomains(a, { limit: 1, cursor: page.nextCursor })).data).toEqual([first]);
      const saved = await d.saveDomainCheck(first.id, { status: 'verified', records: [{ ...first.records[0]!, status: 'verified' }], checkedAt: T0 + 9, verifiedAt: T0 + 9 });
      expect(saved).toMatchObject({ status: 'verified', verifiedAt: T0 + 9, checkedAt: T0 + 9, records: [{ status: 'verified' }] });
      expect(await d.getDomain(first.id)).toEqual(saved);
      expect((await d.listAllDomains()).map((x) => x.id)).toContain(first.id);
    });

    it('suppressions: one per org and address, replaced in place, expiring, deletable', async () => {
      const d = store.deliverability;
      const o = org();
      const put = (address: string, at: number, extra: Partial<{ reason: 'manual' | 'hard_bounce'; expiresAt: number | null }> = {}) => d.putSuppression({
        id: newId('sup', at), orgId: o, address, reason: extra.reason ?? 'manual', source: 'api', messageId: null, createdAt: at, expiresAt: extra.expiresAt ?? null,
      });
      await put('a@example.com', T0);
      await put('b@example.com', T0 + 1, { expiresAt: T0 + 100 });
      await put('a@example.com', T0 + 2, { reason: 'hard_bounce' });
      const list = await d.listSuppressions(o, { limit: 10, now: T0 + 50 });
      expect(list.data.map((s) => `${s.address}:${s.reason}`)).toEqual(['a@example.com:hard_bounce', 'b@example.com:manual']);
      expect([...await d.suppressedAmong(o, ['a@example.com', 'b@example.com', 'c@example.com'], T0 + 50)].sort()).toEqual(['a@example.com', 'b@example.com']);
      expect([...await d.suppressedAmong(o, ['b@example.com'], T0 + 100)]).toEqual([]);
      expect(await d.getSuppression(o, 'b@example.com', T0 + 100)).toBeNull();
      expect(await d.suppressedAmong(org(), ['a@example.com'], T0)).toEqual(new Set());
      expect(await d.deleteSuppression(o, 'a@example.com')).toBe(true);
      expect(await d.deleteSuppression(o, 'a@example.com')).toBe(false);
    });

    it('remembers recipients once per inbox', async () => {
      const d = store.deliverability;
      const inbox = newId('inb');
      await store.db.transaction().execute((trx) => d.rememberRecipients(trx, inbox, ['A@example.com', 'b@example.com', 'a@example.com'], T0));
      await store.db.transaction().execute((trx) => d.rememberRecipients(trx, inbox, ['b@example.com', 'c@example.com'], T0 + 1));
      expect([...await d.knownRecipients(inbox, ['a@example.com', 'c@example.com', 'z@example.com'])].sort()).toEqual(['a@example.com', 'c@example.com']);
      expect(await d.knownRecipients(newId('inb'), ['a@example.com'])).toEqual(new Set());
    });

    it('reputation: day counts add up, the row is replaced, the event commits with it', async () => {
      const d = store.deliverability;
      const o = org();
      const inbox = newId('inb');
      const row = { inboxId: inbox, orgId: o, state: 'healthy' as const, since: T0, cleanRun: 1, recent: [{ id: 'm1', bounced: false }], updatedAt: T0 };
      await d.recordReputation({ row, day: DAY0 - 40, delta: { sent: 9, delivered: 0, bounced: 9, complained: 0 }, event: null });
      await d.recordReputation({ row, day: DAY0, delta: { sent: 2, delivered: 1, bounced: 0, complained: 0 }, event: null });
      const paused = { ...row, state: 'paused' as const, since: T0 + 5, cleanRun: 0, recent: [{ id: 'm1', bounced: true }], updatedAt: T0 + 5 };
      await d.recordReputation({
        row: paused, day: DAY0, delta: { sent: 0, delivered: 0, bounced: 1, complained: 1 },
        event: { orgId: o, inboxId: inbox, type: 'inbox.reputation_changed', lane: 'outbound', data: { state: 'paused' }, createdAt: T0 + 5 },
      });
      const loaded = await d.loadReputation(inbox, DAY0 - 29);
      expect(loaded).toEqual({ row: paused, days: [{ day: DAY0, counts: { sent: 2, delivered: 1, bounced: 1, complained: 1 } }] });
      expect(await d.listUnhealthy()).toContainEqual({ inboxId: inbox, state: 'paused' });
      const events = await store.listEvents(o, { after: null, limit: 10 });
      expect(events.data.map((e) => e.type)).toEqual(['inbox.reputation_changed']);
      expect(await d.loadReputation(newId('inb'), DAY0)).toEqual({ row: null, days: [] });
    });
  });
}

contract('SQLite', async () => {
  const store = new SqliteStore({ filename: ':memory:' });
  await store.migrate();
  return store;
});

const down = await requireServices('deliverability store on PostgreSQL', 'postgres');
describe.skipIf(down !== null)('PostgreSQL', () => {
  let db: ThrowawayDatabase;
  let store: PostgresStore;
  beforeAll(async () => {
    db = await throwawayDatabase();
    store = new PostgresStore({ connectionString: db.url });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });
  contract('PostgreSQL', async () => store);
});
