/**
 * kill -9 of the single node while API sends go to an outside relay, inbound SMTP arrives and
 * webhooks are delivered, all at once (issue 10, item 1). Restarted on the same data dir: every
 * 202 is relayed and `sent`, every 250 is listed, every event in the log reached the receiver
 * (checked by the standardwebhooks library); copies at the relay and the receiver are counted
 * and bounded by the jobs that were leased at the kill, read from the SQLite file itself.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNothingLost, MixedLoad, verifyAfterCrash } from '../helpers/mixed-load.ts';
import { TestServer } from '../helpers/server.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { WebhookReceiver } from '../helpers/webhooks.ts';

const LOAD_MS = 1500;
const RECOVERY_MS = 20_000;

/** Jobs leased (running) per queue in a stopped node's file: what may run twice after the restart. */
function leasedJobs(dataDir: string): Record<string, number> {
  const db = new Database(join(dataDir, 'breakwater.db'), { readonly: true });
  try {
    const rows = db.prepare(`select queue, count(*) as n from jobs where status = 'leased' group by queue`).all() as Array<{ queue: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.queue, r.n]));
  } finally {
    db.close();
  }
}

describe('crash (kill -9) of the single node under mixed traffic', () => {
  let sink: SmtpSink;
  let receiver: WebhookReceiver;
  let server: TestServer;
  let key: string;
  let load: MixedLoad;

  beforeAll(async () => {
    [sink, receiver] = await Promise.all([SmtpSink.start(), WebhookReceiver.start()]);
    server = await TestServer.start({ env: { BREAKWATER_SMTP_RELAY: sink.url } });
    ({ key } = await server.createOrg('crash-mixed'));
    const hook = await server.api('POST', '/v1/webhooks', { key, body: { url: receiver.url, events: [] } });
    expect(hook.status).toBe(201);
    receiver.secret = hook.body.secret;
    const senders = [await server.createInbox(key, 'mixed-sender-0'), await server.createInbox(key, 'mixed-sender-1')];
    const receivers = [await server.createInbox(key, 'mixed-receiver-0'), await server.createInbox(key, 'mixed-receiver-1')];
    load = new MixedLoad({ nodes: [server], key, senders, receivers });
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([sink?.close(), receiver?.close()]);
  });

  it('relays every 202, stores every 250 and delivers every event\'s webhook after the restart', async () => {
    load.start();
    await new Promise((r) => setTimeout(r, LOAD_MS));
    // Stop starting requests, count what is in flight, and kill in the same tick.
    const inflight = load.stop();
    const crash = server.crash();
    const webhooksBeforeKill = receiver.received.length;
    const relayedBeforeKill = sink.messages.length;
    await Promise.all([load.settled(), crash]);
    const leased = leasedJobs(server.dataDir);

    const { sends, smtp } = load.acked();
    expect(sends.length).toBeGreaterThan(20);
    expect(smtp.length).toBeGreaterThan(4);
    // All three flows were running when the process died.
    expect(relayedBeforeKill).toBeGreaterThan(0);
    expect(webhooksBeforeKill).toBeGreaterThan(0);

    await server.restart();
    const f = await verifyAfterCrash({ node: server, key, load, sink, receiver, timeoutMs: RECOVERY_MS });
    const leasedDelivery = leased.delivery ?? 0;
    const leasedWebhook = leased.webhook ?? 0;
    console.log(`crash mixed (single node): acked_sends=${f.ackedSends} relayed=${f.relayed} relay_duplicates=${f.relayDuplicates} (bound ${leasedDelivery} leased) `
      + `acked_smtp=${f.ackedSmtp} stored=${f.ackedSmtp - f.unstored.length} events=${f.events} webhooks_seen=${f.webhooksSeen} webhook_duplicates=${f.webhookDuplicates} (bound ${leasedWebhook} leased) `
      + `inflight_at_kill=api:${inflight.api},smtp:${inflight.smtp} before_kill=relayed:${relayedBeforeKill},webhooks:${webhooksBeforeKill}`);
    expectNothingLost(f, { delivery: leasedDelivery, webhook: leasedWebhook });
  }, 60_000);
});
