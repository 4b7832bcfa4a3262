/**
 * PostgreSQL out of reach under a node (issue 10, item 2): a TCP proxy of the test's own sits
 * between the node and PostgreSQL and is cut. New work is refused with 503 store_unavailable
 * (Retry-After) over HTTP and 451 4.3.0 over SMTP, never a 500, and the process stays up; once
 * the proxy is back the pool reconnects by itself, and every send acknowledged before the cut
 * or after it reaches the relay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';
import { REDIS_URL, requireServices, testPrefix, throwawayDatabase, type ThrowawayDatabase } from '../helpers/services.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { smtpSendOnce } from '../helpers/smtp-send.ts';

const down = await requireServices('postgres down', 'postgres', 'redis');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(down !== null)('PostgreSQL cut away from a node', () => {
  let db: ThrowawayDatabase;
  let proxy: TcpProxy;
  let sink: SmtpSink;
  let server: TestServer;
  let key: string;
  let sender: { id: string; address: string };
  let receiver: { id: string; address: string };
  let n = 0;
  const acked: Array<{ id: string; subject: string }> = [];
  const statuses = new Map<number, number>();
  const relayed = (subject: string) => sink.messages.filter((m) => m.parsed.subject === subject).length;

  const send = async () => {
    const i = n++;
    const subject = `pg-down ${i}`;
    const res = await server.api('POST', `/v1/inboxes/${sender.id}/messages`, {
      key, headers: { 'idempotency-key': `pg-down-${i}` }, body: { to: [`far-${i}@example.com`], subject, text: `send ${i}` },
    });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status === 202) acked.push({ id: res.body.id, subject });
    return res;
  };

  const smtp = (tag: string) => smtpSendOnce(server.smtpPort, receiver.address, tag);


  beforeAll(async () => {
    db = await throwawayDatabase();
    const target = new URL(db.url);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    sink = await SmtpSink.start();
    server = await TestServer.start({
      startTimeoutMs: 60_000,
      env: {
        BREAKWATER_DATABASE_URL: viaProxy.toString(),
        BREAKWATER_SECRET_KEY: 'b6'.repeat(32),
        BREAKWATER_REDIS_URL: REDIS_URL,
        BREAKWATER_REDIS_PREFIX: testPrefix(),
        BREAKWATER_SMTP_RELAY: sink.url,
        BREAKWATER_JOB_LEASE_MS: '2000',
      },
    });
    ({ key } = await server.createOrg('pg-down'));
    sender = await server.createInbox(key, 'pg-down-sender');
    receiver = await server.createInbox(key, 'pg-down-receiver');
  }, 90_000);
  afterAll(async () => {
    // A crash is the failure this suite exists to catch: show how the process died.
    if (server?.exitCode != null) console.error(`node exited with ${server.exitCode}:\n${server.logs.slice(-20).join('\n')}`);
    await proxy?.restore();
    await server?.stop();
    await sink?.close();
    await db?.drop();
  }, 30_000);

  it('answers 503 / 451 4.3.0 while the database is unreachable, and recovers without a restart', async () => {
    for (let i = 0; i < 5; i++) expect((await send()).status).toBe(202);
    expect((await smtp('before-cut')).code).toBe(250);

    await proxy.cut();
    const cutAt = Date.now();
    let refused = null;
    // Bounded: the pool notices a dropped connection on its next use.
    for (let i = 0; i < 20 && !refused; i++) {
      const res = await send();
      if (res.status !== 202) refused = res;
    }
    expect(refused, 'a send was accepted 20 times with the database cut').not.toBeNull();
    expect(refused!.status).toBe(503);
    expect(refused!.headers.get('content-type')).toBe('application/problem+json');
    expect(refused!.body).toMatchObject({ status: 503, code: 'store_unavailable' });
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    const refusedMs = Date.now() - cutAt;
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(503);
    const inbound = await smtp('while-cut');
    expect(inbound.code).toBe(451);
    expect(inbound.response).toMatch(/^451 4\.3\.0 /);
    // A read cannot be served either: 503 as well, not 500.
    expect((await server.api('GET', `/v1/messages/${acked[0]!.id}`, { key })).status).toBe(503);
    // Long enough for the job runners to fail a few claims against the cut database.
    await sleep(1500);
    expect(server.exitCode).toBeNull();

    await proxy.restore();
    const restoredAt = Date.now();
    let accepted = false;
    for (let i = 0; i < 50 && !accepted; i++) {
      accepted = (await send()).status === 202;
      if (!accepted) await sleep(200);
    }
    expect(accepted, 'no send accepted 10 s after the database came back').toBe(true);
    const recoveredMs = Date.now() - restoredAt;
    expect((await smtp('after-cut')).code).toBe(250);

    await sink.waitFor(() => acked.every((a) => relayed(a.subject) > 0), 20_000).catch(() => false);
    expect(acked.filter((a) => relayed(a.subject) === 0).map((a) => a.id), 'acknowledged sends never relayed').toEqual([]);
    const listed = (await server.api('GET', `/v1/inboxes/${receiver.id}/messages?direction=inbound`, { key })).body.data.map((m: { message_id: string }) => m.message_id);
    expect(listed.sort()).toEqual(['<after-cut@example.net>', '<before-cut@example.net>']);
    expect(statuses.get(500) ?? 0).toBe(0);
    expect(server.exitCode).toBeNull();
    expect(server.logs.filter((l) => /"status":500/.test(l))).toEqual([]);
    const duplicates = acked.reduce((d, a) => d + relayed(a.subject) - 1, 0);
    console.log(`postgres down: acked=${acked.length} refused=${statuses.get(503) ?? 0} first_refusal_after=${refusedMs}ms delivered=${acked.length} duplicates=${duplicates} smtp_while_cut=${inbound.code} recovered_in=${recoveredMs}ms statuses=${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 60_000);
});
