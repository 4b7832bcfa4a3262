/**
 * kill -9 of one of two scale-out nodes (PostgreSQL + Redis) while API sends go to an outside
 * relay, inbound SMTP arrives at both nodes and webhooks are delivered (issue 10, item 1). The
 * survivor takes the dead node's jobs when their leases run out: every 202 is relayed and `sent`,
 * every 250 listed, every event's webhook seen by the receiver; copies are bounded by the jobs
 * the dead node held, read from the jobs table right after the kill.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNothingLost, MixedLoad, verifyAfterCrash } from '../helpers/mixed-load.ts';
import { TestServer } from '../helpers/server.ts';
import { REDIS_URL, requireServices, testPrefix, throwawayDatabase, type ThrowawayDatabase } from '../helpers/services.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { WebhookReceiver } from '../helpers/webhooks.ts';

const down = await requireServices('crash mixed nodes', 'postgres', 'redis');

const LOAD_MS = 2500;
// Webhook leases are at least twice the 15 s attempt timeout (compose.ts): the dead node's come back after 30 s.
const RECOVERY_MS = 45_000;

describe.skipIf(down !== null)('crash (kill -9) of one of two scale-out nodes under mixed traffic', () => {
  let db: ThrowawayDatabase;
  let sink: SmtpSink;
  let receiver: WebhookReceiver;
  const nodes: TestServer[] = [];
  let key: string;
  let load: MixedLoad;

  beforeAll(async () => {
    db = await throwawayDatabase();
    [sink, receiver] = await Promise.all([SmtpSink.start(), WebhookReceiver.start()]);
    const env = {
      BREAKWATER_DATABASE_URL: db.url,
      BREAKWATER_SECRET_KEY: 'c7'.repeat(32),
      BREAKWATER_REDIS_URL: REDIS_URL,
      BREAKWATER_REDIS_PREFIX: testPrefix(),
      BREAKWATER_SMTP_RELAY: sink.url,
      BREAKWATER_NODE_COUNT: '2',
      BREAKWATER_JOB_LEASE_MS: '2000',
    };
    nodes.push(...await Promise.all([0, 1].map(() => TestServer.start({ env, startTimeoutMs: 60_000 }))));
    ({ key } = await nodes[0]!.createOrg('crash-mixed-nodes'));
    const hook = await nodes[0]!.api('POST', '/v1/webhooks', { key, body: { url: receiver.url, events: [] } });
    expect(hook.status).toBe(201);
    receiver.secret = hook.body.secret;
    const senders = [await nodes[0]!.createInbox(key, 'nodes-sender-0'), await nodes[0]!.createInbox(key, 'nodes-sender-1')];
    const receivers = [await nodes[0]!.createInbox(key, 'nodes-receiver-0'), await nodes[0]!.createInbox(key, 'nodes-receiver-1')];
    load = new MixedLoad({ nodes, key, senders, receivers, smtpWorkers: 4 });
  }, 90_000);
  afterAll(async () => {
    for (const n of nodes) await n.stop();
    await Promise.all([sink?.close(), receiver?.close()]);
    await db?.drop();
  }, 30_000);

  it('loses nothing acknowledged by the dead node: the survivor relays, stores and delivers it all', async () => {
    const [survivor, doomed] = [nodes[0]!, nodes[1]!];
    load.start();
    await new Promise((r) => setTimeout(r, LOAD_MS));
    const inflight = load.stop();
    const pid = doomed.pid!;
    const crash = doomed.crash();
    const webhooksBeforeKill = receiver.received.length;
    const relayedBeforeKill = sink.messages.length;
    await Promise.all([load.settled(), crash]);
    // The dead node's leases (its owner names carry its pid): only these jobs can run twice.
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    const leased: Record<string, number> = {};
    try {
      const rows = await sql.query(`select queue, count(*)::int as n from jobs where status = 'leased' and lease_owner like $1 group by queue`, [`%:${pid}:%`]);
      for (const r of rows.rows as Array<{ queue: string; n: number }>) leased[r.queue] = r.n;
    } finally {
      await sql.end();
    }

    const { sends, smtp } = load.acked();
    expect(sends.length).toBeGreaterThan(10);
    expect(smtp.filter((s) => s.node === 1).length, 'no inbound mail acknowledged by the node that was killed').toBeGreaterThan(0);
    expect(sends.filter((_, i) => i % 2 === 1).length).toBeGreaterThan(0);
    expect(relayedBeforeKill).toBeGreaterThan(0);
    expect(webhooksBeforeKill).toBeGreaterThan(0);

    const killedAt = Date.now();
    const f = await verifyAfterCrash({ node: survivor, key, load, sink, receiver, timeoutMs: RECOVERY_MS });
    const leasedDelivery = leased.delivery ?? 0;
    const leasedWebhook = leased.webhook ?? 0;
    console.log(`crash mixed (scale-out, 1 of 2 killed): acked_sends=${f.ackedSends} relayed=${f.relayed} relay_duplicates=${f.relayDuplicates} (bound ${leasedDelivery} leased by the dead node) `
      + `acked_smtp=${f.ackedSmtp} stored=${f.ackedSmtp - f.unstored.length} events=${f.events} webhooks_seen=${f.webhooksSeen} webhook_duplicates=${f.webhookDuplicates} (bound ${leasedWebhook} leased) `
      + `inflight_at_kill=api:${inflight.api},smtp:${inflight.smtp} all_done_after=${Date.now() - killedAt}ms`);
    expectNothingLost(f, { delivery: leasedDelivery, webhook: leasedWebhook });
    expect(survivor.exitCode).toBeNull();
  }, 90_000);
});
