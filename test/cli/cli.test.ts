/**
 * The `breakwater` client commands as spawned processes against a running server: results on
 * stdout (JSON with --json), progress on stderr, and every failure one readable line on stderr
 * with a non-zero exit, never a stack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/breakwater.js');
const SLOW = 120_000;

let server: TestServer;
let key: string;

interface Run { code: number | null; stdout: string; stderr: string }

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', BREAKWATER_URL: server.url, BREAKWATER_API_KEY: key, ...extra };
}

function start(args: string[], extra: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: env(extra), stdio: ['ignore', 'pipe', 'pipe'] });
}

function run(args: string[], extra: Record<string, string> = {}): Promise<Run> {
  const child = start(args, extra);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((r) => child.once('close', (code) => r({ code, stdout, stderr })));
}

/** A failure as the CLI must report it: exit 1, nothing on stdout, exactly one line on stderr. */
function expectOneLineError(r: Run, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^breakwater: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const jsonOf = (r: Run) => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

beforeAll(async () => {
  server = await TestServer.start();
  key = (await server.createOrg('cli-org')).key;
});

afterAll(async () => {
  await server?.stop();
});

describe('client commands', () => {
  it('creates and lists inboxes, and sends following the message to delivered', async () => {
    const [a, b] = await Promise.all([run(['inbox', 'create', 'cli-a', '--json']), run(['inbox', 'create', 'cli-b', '--display-name', 'Bee'])]);
    const inbox = jsonOf(a);
    expect(inbox).toMatchObject({ id: expect.stringMatching(/^inb_/), address: 'cli-a@agents.localhost' });
    expect(b.stdout).toMatch(/^Created inbox inb_\w+ <cli-b@agents\.localhost>\n$/);
    const [listed, sent] = await Promise.all([
      run(['inbox', 'list', '--json']),
      run(['send', '--from', 'cli-a@agents.localhost', '--to', 'cli-b@agents.localhost', '--subject', 'From the CLI', '--text', 'hello', '--wait', '--json']),
    ]);
    expect(listed.stdout.trim().split('\n').map((l) => JSON.parse(l).address)).toEqual(expect.arrayContaining(['cli-a@agents.localhost', 'cli-b@agents.localhost']));
    expect(jsonOf(sent)).toMatchObject({ id: expect.stringMatching(/^msg_/), status: 'delivered' });
  }, SLOW);

  it('creates, lists and revokes keys', async () => {
    const created = jsonOf(await run(['key', 'create', '--name', 'cli key', '--json']));
    expect(created).toMatchObject({ name: 'cli key', scopes: ['org'], api_key: expect.stringMatching(/^bw_/) });
    const [revoked, human] = await Promise.all([run(['key', 'revoke', created.id, '--json']), run(['key', 'list'])]);
    expect(jsonOf(revoked).revoked_at).not.toBeNull();
    expect(human.stdout).toContain(created.id);
  }, SLOW);

  it('tails events live until interrupted', async () => {
    const inbox = await server.createInbox(key, 'cli-tail');
    const child = start(['tail', '--inbox', inbox.id, '--types', 'message.received', '--json']);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((r) => child.once('close', r));
    await server.until(async () => stderr.includes('streaming events'), 60_000);
    const sender = await server.createInbox(key, 'cli-tail-sender');
    const send = await server.api('POST', `/v1/inboxes/${sender.id}/messages`, { key, headers: { 'idempotency-key': 'tail-1' }, body: { to: [inbox.address], subject: 'live', text: 'x' } });
    expect(send.status).toBe(202);
    await server.until(async () => stdout.includes('\n'), 20_000);
    const event = JSON.parse(stdout.split('\n')[0]!);
    expect(event).toMatchObject({ type: 'message.received', data: { message: { inbox_id: inbox.id, subject: 'live' } } });
    child.kill('SIGINT');
    expect(await closed).toBe(0);
    expect(stderr).toContain(`resume with --since ${event.id}`);
  }, SLOW);

  it('quarantines and releases, and shows and resumes reputation', async () => {
    const inbox = await server.createInbox(key, 'cli-q');
    const added = jsonOf(await run(['quarantine', 'add', 'inbox', inbox.id, '--lane', 'outbound', '--reason', 'testing', '--ttl', '600', '--json']));
    expect(added).toMatchObject({ kind: 'inbox', target: inbox.id, lane: 'outbound', reason: 'testing' });
    const operator = { BREAKWATER_OPERATOR_TOKEN: server.operatorToken };
    const [listed, domain, rep, resumed] = await Promise.all([
      run(['quarantine', 'list', '--json']),
      run(['quarantine', 'add', 'domain', 'spam.example', '--operator', '--json'], operator),
      run(['reputation', 'show', inbox.id]),
      run(['reputation', 'resume', inbox.id, '--operator', '--json'], operator),
    ]);
    expect(listed.stdout.trim().split('\n').map((l) => JSON.parse(l).id)).toContain(added.id);
    expect(jsonOf(domain)).toMatchObject({ kind: 'domain', target: 'spam.example', lane: 'both', source: 'operator' });
    expect(rep.stdout).toMatch(new RegExp(`^${inbox.id}: healthy since`));
    expect(jsonOf(resumed)).toMatchObject({ inbox_id: inbox.id });
    const released = await run(['quarantine', 'release', added.id]);
    expect(released.stdout).toBe(`Released inbox ${inbox.id} (${added.id})\n`);
  }, SLOW);

  it('prints the client commands in help', async () => {
    const r = await run(['help']);
    expect(r.code).toBe(0);
    for (const c of ['key create', 'inbox create', 'send --from', 'tail', 'quarantine list', 'reputation show', 'mcp']) expect(r.stdout).toContain(c);
  }, SLOW);
});

describe('errors: one line, non-zero exit', () => {
  it.each([
    ['an unknown key', ['inbox', 'list'], { BREAKWATER_API_KEY: 'bw_' + 'A'.repeat(32) }, /unknown API key \(401 unauthorized\) — Send Authorization/],
    ['no key at all', ['inbox', 'list'], { BREAKWATER_API_KEY: '' }, /no API key: set BREAKWATER_API_KEY/],
    ['a refused send', ['send', '--from', 'inb_01JAAAAAAAAAAAAAAAAAAAAAAA', '--to', 'not-an-address', '--text', 'x'], {}, /to\.0 .*\(422 validation_failed\)/],
    ['an unknown flag', ['inbox', 'create', '--frobnicate'], {}, /Unknown option '--frobnicate'/],
    ['a missing argument', ['key', 'revoke'], {}, /a key id is required/],
    ['an unreachable server', ['inbox', 'list', '--url', 'http://127.0.0.1:1'], {}, /cannot reach http:\/\/127\.0\.0\.1:1.*connection_failed/],
    ['an unknown resource', ['reputation', 'show', 'inb_01JAAAAAAAAAAAAAAAAAAAAAAA'], {}, /404 not_found/],
  ] as Array<[string, string[], Record<string, string>, RegExp]>)('%s', async (_name, args, extra, pattern) => {
    expectOneLineError(await run(args, extra), pattern);
  }, SLOW);
});
