/**
 * The two examples run as a user would run them (through tsx, importing `breakwater/sdk`)
 * against a real server: the answering agent answers a mail, and the webhook receiver verifies
 * a real signed delivery and refuses a forged one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/services.ts';
import { TestServer } from '../helpers/server.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let server: TestServer;
let key: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  server = await TestServer.start();
  key = (await server.createOrg('examples')).key;
});

afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  await server?.stop();
});

/** Runs an example; `lines` collects its stdout and stderr lines as they come. */
function example(file: string, env: Record<string, string>): { child: ChildProcess; lines: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  let buffer = '';
  const feed = (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
  };
  child.stdout!.on('data', feed);
  child.stderr!.on('data', feed);
  return { child, lines };
}

describe('examples', () => {
  it('answering-agent answers a mail in its thread', async () => {
    const agentInbox = await server.createInbox(key, 'answerer');
    const { lines } = example('examples/answering-agent.ts', { BREAKWATER_URL: server.url, BREAKWATER_API_KEY: key, INBOX_ID: agentInbox.id });
    await server.until(async () => lines.some((l) => l.startsWith('answering mail to')), 60_000);
    const human = await server.createInbox(key, 'human');
    const sent = await server.api('POST', `/v1/inboxes/${human.id}/messages`, { key, headers: { 'idempotency-key': 'ex-1' }, body: { to: [agentInbox.address], subject: 'Question', text: 'What time is it?' } });
    expect(sent.status).toBe(202);
    const reply = await server.until(async () => {
      const res = await server.api('GET', `/v1/inboxes/${human.id}/messages?direction=inbound`, { key });
      return res.body.data[0];
    }, 20_000);
    expect(reply.text).toContain('What time is it?');
    expect(reply.thread_id).toBe(sent.body.thread_id);
    expect(reply.auto_submitted).toBe(true);
    expect(lines.some((l) => l.startsWith('answered '))).toBe(true);
  }, 120_000);

  it('webhook-receiver verifies a real delivery and refuses a forged one', async () => {
    const port = await freePort();
    const hook = await server.api('POST', '/v1/webhooks', { key, body: { url: `http://127.0.0.1:${port}/hooks`, events: ['webhook.test'] } });
    expect(hook.status).toBe(201);
    const { lines } = example('examples/webhook-receiver.ts', { BREAKWATER_WEBHOOK_SECRET: hook.body.secret, PORT: String(port) });
    await server.until(async () => lines.some((l) => l.startsWith('listening on')), 60_000);
    const forged = await fetch(`http://127.0.0.1:${port}/hooks`, {
      method: 'POST', body: '{"id":"evt_x","type":"message.received","data":{}}',
      headers: { 'webhook-id': 'msg_x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' },
    });
    expect(forged.status).toBe(400);
    const test = await server.api('POST', `/v1/webhooks/${hook.body.id}/test`, { key });
    expect(test.status).toBe(202);
    await server.until(async () => lines.some((l) => l.startsWith(`verified webhook.test ${test.body.event_id}`)), 20_000);
    expect(lines).toContain('rejected a delivery: no_matching_signature');
  }, 120_000);
});
