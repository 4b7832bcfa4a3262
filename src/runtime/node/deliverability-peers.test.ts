/**
 * Two nodes on one database and one Redis: a pause made on one reaches the other's send path,
 * and a domain verified on one is hosted on the other, without a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger, REDIS_URL, requireServices, testPrefix } from '../../../test/helpers/services.ts';
import { MemoryNotifier } from '../../adapters/notifier/memory/memory-notifier.ts';
import { RedisBus } from '../../adapters/pubsub/redis/redis-bus.ts';
import { SqliteStore } from '../../adapters/store/sqlite/sqlite-store.ts';
import type { Deliverability } from '../../core/deliverability.ts';
import { startDeliverability } from '../../core/deliverability-init.ts';
import { testSecretBox } from '../../../test/helpers/secrets.ts';
import { reputationPublisher, wireDeliverabilityPeers } from './deliverability-peers.ts';

const down = await requireServices('deliverability peers', 'redis');

describe.skipIf(down !== null)('deliverability across nodes (Redis pub/sub)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-peers-'));
  const prefix = testPrefix();
  const open: Array<{ store: SqliteStore; bus: RedisBus }> = [];
  let a: Deliverability;
  let b: Deliverability;

  async function node(): Promise<Deliverability> {
    const store = new SqliteStore({ filename: join(dir, 'bw.db') });
    await store.migrate();
    const bus = new RedisBus({ url: REDIS_URL, logger: memoryLogger(), prefix });
    expect(await bus.connect()).toBe(true);
    open.push({ store, bus });
    const logger = memoryLogger();
    const d = await startDeliverability({
      store: store.deliverability, clock: () => Date.now(), notifier: new MemoryNotifier(), logger, defaultDomain: 'agents.localhost', onReputationChange: reputationPublisher(bus),
      secrets: await testSecretBox(),
    });
    wireDeliverabilityPeers(bus, d, logger);
    return d;
  }

  beforeAll(async () => {
    a = await node();
    b = await node();
  });
  afterAll(async () => {
    for (const n of open) {
      await n.bus.close();
      await n.store.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const until = async (fn: () => boolean) => {
    const deadline = Date.now() + 5000;
    while (!fn()) {
      if (Date.now() > deadline) throw new Error('not in step within 5 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('shares one default domain key', () => {
    expect(b.domains.signer('agents.localhost')).toEqual(a.domains.signer('agents.localhost'));
  });

  it('a pause on one node reaches the other; so does the resume', async () => {
    const inbox = { id: 'inb_01JX00000000000000000PEERS', orgId: 'org_01JX00000000000000000PEERS', address: 'p@agents.localhost' };
    for (let i = 0; i < 20; i++) await a.reputation.recordSent(inbox, `m${i}`, 1, 0);
    await a.reputation.recordHardBounce(inbox, 'm1', 1);
    await a.reputation.recordHardBounce(inbox, 'm2', 1);
    expect(a.reputation.stateOf(inbox.id)).toBe('paused');
    await until(() => b.reputation.stateOf(inbox.id) === 'paused');
    await b.reputation.resume(inbox, 'operator');
    await until(() => a.reputation.stateOf(inbox.id) === 'warning');
    expect((await a.reputation.report(inbox)).counts).toMatchObject({ sent: 20, bounced: 2 });
  });

  it('a domain verified on one node is hosted on the other', async () => {
    const domain = { ...a.domains.get('agents.localhost')!, id: 'dom_01JX00000000000000000PEERS', orgId: 'org_x', name: 'peer.example.com', status: 'pending' as const };
    await a.store.insertDomain(domain);
    const saved = await a.store.saveDomainCheck(domain.id, { status: 'verified', records: [], checkedAt: 1, verifiedAt: 1 });
    a.domains.put(saved!);
    a.onDomainChange!(domain.id);
    await until(() => b.domains.isHosted('peer.example.com'));
  });
});
