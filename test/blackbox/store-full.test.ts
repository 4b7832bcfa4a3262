/**
 * A full disk under the single node (issue 10, item 2): the data dir is a small tmpfs the test
 * fills (small-disk.ts), so SQLite gets a real ENOSPC. New work is refused with 503
 * store_unavailable over HTTP and 451 4.3.0 over SMTP, reads keep answering, the process stays
 * up; once the ballast is deleted, work is accepted again with no restart, and every send
 * acknowledged before, during or after the fault reaches the relay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';
import { inCI } from '../helpers/services.ts';
import { fillDisk, freeDisk, smallDiskProblem, smallDiskWrap } from '../helpers/small-disk.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { smtpSendOnce } from '../helpers/smtp-send.ts';

const problem = smallDiskProblem();
if (problem && inCI) throw new Error(`store full: CI must allow unprivileged user namespaces (${problem})`);
if (problem) console.warn(`skipping store full: ${problem} (set CI=true to make this a failure)`);

/** Sends after the disk filled before one must be refused: SQLite may still reuse WAL pages it already holds. */
const MAX_SENDS_UNTIL_REFUSED = 2000;

describe.skipIf(problem !== null)('SQLite on a full disk', () => {
  let sink: SmtpSink;
  let server: TestServer;
  let key: string;
  let sender: { id: string; address: string };
  let receiver: { id: string; address: string };
  let n = 0;
  /** Every send answered 202: each must reach the relay in the end. */
  const acked: Array<{ id: string; subject: string }> = [];
  /** Copies the relay got of one send (the API answer has no Message-ID; the subject is unique). */
  const relayed = (subject: string) => sink.messages.filter((m) => m.parsed.subject === subject).length;
  const statuses = new Map<number, number>();

  const send = async () => {
    const i = n++;
    const res = await server.api('POST', `/v1/inboxes/${sender.id}/messages`, {
      key, headers: { 'idempotency-key': `full-${i}` }, body: { to: [`far-${i}@example.com`], subject: `full ${i}`, text: `send ${i}` },
    });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status === 202) acked.push({ id: res.body.id, subject: `full ${i}` });
    return res;
  };

  const smtp = (tag: string) => smtpSendOnce(server.smtpPort, receiver.address, tag);


  beforeAll(async () => {
    sink = await SmtpSink.start();
    server = await TestServer.start({
      wrap: smallDiskWrap(24),
      // A job leased when the disk filled cannot record its end; a short lease hands it back soon after.
      env: { BREAKWATER_SMTP_RELAY: sink.url, BREAKWATER_JOB_LEASE_MS: '2000' },
    });
    ({ key } = await server.createOrg('full-disk'));
    sender = await server.createInbox(key, 'full-sender');
    receiver = await server.createInbox(key, 'full-receiver');
  });
  afterAll(async () => {
    if (server?.pid) freeDisk(server.pid, server.dataDir);
    await server?.stop();
    await sink?.close();
  });

  it('refuses new work with 503 / 451 4.3.0 while full, keeps reads, and takes work again when space is back', async () => {
    for (let i = 0; i < 5; i++) expect((await send()).status).toBe(202);
    expect((await smtp('before-full')).code).toBe(250);

    const ballast = fillDisk(server.pid!, server.dataDir);
    let refused = null;
    for (let i = 0; i < MAX_SENDS_UNTIL_REFUSED && !refused; i++) {
      const res = await send();
      if (res.status !== 202) refused = res;
    }
    const ackedWhileFilling = acked.length - 5;
    expect(refused, `no refusal in ${MAX_SENDS_UNTIL_REFUSED} sends on a full disk`).not.toBeNull();
    expect(refused!.status).toBe(503);
    expect(refused!.headers.get('content-type')).toBe('application/problem+json');
    expect(refused!.body).toMatchObject({ status: 503, code: 'store_unavailable' });
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    // Still full: the next sends and inbound mail are refused too.
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(503);
    const inbound = await smtp('while-full');
    expect(inbound.code).toBe(451);
    expect(inbound.response).toMatch(/^451 4\.3\.0 /);
    // Reads need no space.
    const read = await server.api('GET', `/v1/messages/${acked[0]!.id}`, { key });
    expect(read.status).toBe(200);
    expect((await server.api('GET', `/v1/inboxes/${receiver.id}/messages?direction=inbound`, { key })).status).toBe(200);

    freeDisk(server.pid!, server.dataDir);
    const freedAt = Date.now();
    // No restart, no operator step: the next write simply succeeds.
    expect((await send()).status).toBe(202);
    expect((await smtp('after-full')).code).toBe(250);
    const recoveredMs = Date.now() - freedAt;

    const delivered = await sink.waitFor(() => acked.every((a) => relayed(a.subject) > 0), 20_000).catch(() => false);
    const missing = acked.filter((a) => relayed(a.subject) === 0).map((a) => a.id);
    expect(missing, 'acknowledged sends never relayed').toEqual([]);
    expect(delivered).toBe(true);
    const listed = (await server.api('GET', `/v1/inboxes/${receiver.id}/messages?direction=inbound`, { key })).body.data.map((m: { message_id: string }) => m.message_id);
    expect(listed.sort()).toEqual(['<after-full@example.net>', '<before-full@example.net>']);
    const duplicates = acked.reduce((d, a) => d + relayed(a.subject) - 1, 0);
    expect(server.exitCode).toBeNull();
    expect(statuses.get(500) ?? 0).toBe(0);
    console.log(`store full: ballast=${Math.round(ballast / 1024)}KiB acked=${acked.length} (while filling=${ackedWhileFilling}) refused=${statuses.get(503) ?? 0} delivered=${acked.length - missing.length} duplicates=${duplicates} smtp_while_full=${inbound.code} recovered_in=${recoveredMs}ms statuses=${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 60_000);
});
