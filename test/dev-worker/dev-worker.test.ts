// `npm run dev:worker` as a user runs it: wrangler dev serving the Worker in workerd, its local
// D1 migrated on first use, the operator token from BREAKWATER_OPERATOR_TOKEN, and inbound mail
// through wrangler's local Email Workers endpoint. Unlike the workerd test pool, this starts the
// Worker the way production does, so a startup-only fault (e.g. randomness at global scope,
// which workerd refuses) fails here.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/services.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TOKEN = 'dev-worker-test-operator-token-0123';

describe('npm run dev:worker', () => {
  let child: ChildProcess;
  let url = '';
  let state = '';
  let output = '';

  beforeAll(async () => {
    const port = await freePort();
    state = mkdtempSync(join(tmpdir(), 'bw-dev-worker-'));
    url = `http://127.0.0.1:${port}`;
    // Only the variables the README tells a user to set, plus wrangler's own quiet switches.
    child = spawn('npm', ['run', 'dev:worker', '--', '--ip', '127.0.0.1', '--persist-to', state, '--show-interactive-dev-session=false'], {
      cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CI: 'true', WRANGLER_SEND_METRICS: 'false', BREAKWATER_HTTP_PORT: String(port), BREAKWATER_OPERATOR_TOKEN: TOKEN },
    });
    const keep = (d: Buffer) => { output = (output + d.toString()).slice(-20_000); };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`dev:worker exited ${child.exitCode}:\n${output}`);
      // dev:worker says so once its own first request has migrated the local D1.
      if (output.includes('local D1 migrated')) break;
      if (Date.now() > deadline) throw new Error(`dev:worker not ready in 90 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid!, 'SIGTERM'); // npm, wrangler and workerd: the whole group
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    if (state) rmSync(state, { recursive: true, force: true });
  });

  async function api(method: string, path: string, key: string, body?: unknown) {
    const res = await fetch(url + path, {
      method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, headers: res.headers, body: (await res.json().catch(() => null)) as any };
  }

  it('serves the API with the operator token from the environment, and takes mail through the local email endpoint', async () => {
    expect((await api('POST', '/v1/orgs', 'wrong-token-0123456789', { name: 'x' })).status).toBe(401);
    const org = await api('POST', '/v1/orgs', TOKEN, { name: 'dev-worker' });
    expect(org.status).toBe(201);
    const key = org.body.api_key as string;
    const inbox = await api('POST', '/v1/inboxes', key, { username: 'dev-agent' });
    expect(inbox.status).toBe(201);

    const raw = [
      'From: Someone <someone@outside.example>', `To: ${inbox.body.address}`, 'Subject: through the local email endpoint',
      'Message-ID: <dev-worker-1@outside.example>', 'Date: Fri, 04 Dec 2026 10:00:00 +0000', 'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8', '', 'Hello from wrangler dev.', '',
    ].join('\r\n');
    const email = await fetch(`${url}/cdn-cgi/handler/email?from=someone@outside.example&to=${encodeURIComponent(inbox.body.address)}`, { method: 'POST', body: raw });
    expect(email.status).toBeLessThan(300);

    const listed = await api('GET', `/v1/inboxes/${inbox.body.id}/messages`, key);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((m: any) => m.subject)).toEqual(['through the local email endpoint']);
  });

  it('answers 429 with RateLimit fields once a key passes its burst', async () => {
    const org = await api('POST', '/v1/orgs', TOKEN, { name: 'dev-worker-storm' });
    const key = org.body.api_key as string;
    const answers = await Promise.all(Array.from({ length: 60 }, () => fetch(`${url}/v1/inboxes`, { headers: { authorization: `Bearer ${key}` } })));
    const limited = answers.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.headers.get('ratelimit-policy')).toBe('"key";q=20;w=1');
    expect(limited[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
    await Promise.all(answers.map((r) => r.body?.cancel()));
  });
});
