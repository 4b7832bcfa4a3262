import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/breakwater.js');

export interface TestServerOptions {
  /** Extra BREAKWATER_* variables (relay, domain, …). */
  env?: Record<string, string>;
  /** Reuse a data dir (restart tests); a fresh temporary one otherwise. */
  dataDir?: string;
  /** Keep the data dir after stop (the caller removes it). */
  keepDataDir?: boolean;
  /** Fixed ports (a restart keeps its ports); 0 picks free ones. */
  httpPort?: number;
  smtpPort?: number;
  /** How long the start may take before it fails; default 20 s (scale-out tests start several nodes at once). */
  startTimeoutMs?: number;
  /**
   * A command the server is started through, e.g. `unshare … sh -c '…; exec "$@"' sh`; it must
   * exec the server (no fork), so `pid` and `crash()` still reach the server itself.
   */
  wrap?: string[];
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * A real Breakwater process on free ports with its own data dir: the one helper every
 * black-box test uses. `api()` speaks JSON to it; `stop()` sends SIGTERM and waits.
 */
export class TestServer {
  url = '';
  httpPort = 0;
  smtpPort = 0;
  operatorToken = '';
  readonly logs: string[] = [];
  exitCode: number | null = null;
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);

  private constructor(readonly dataDir: string, private readonly options: TestServerOptions) {}

  static async start(options: TestServerOptions = {}): Promise<TestServer> {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'bw-test-'));
    const server = new TestServer(dataDir, options);
    await server.spawn();
    return server;
  }

  private spawn(): Promise<void> {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      BREAKWATER_DATA_DIR: this.dataDir,
      BREAKWATER_HTTP_PORT: String(this.options.httpPort ?? this.httpPort ?? 0),
      BREAKWATER_SMTP_PORT: String(this.options.smtpPort ?? this.smtpPort ?? 0),
      BREAKWATER_OPERATOR_TOKEN: 'bwop_test_operator_token_0123456789',
      BREAKWATER_WEBHOOK_ALLOW_PRIVATE: 'true',
      BREAKWATER_LOG_LEVEL: 'info',
      // Functional tests fire requests faster than an agent should; edge tests pass the defaults back in.
      BREAKWATER_KEY_RATE: '100000',
      BREAKWATER_KEY_BURST: '100000',
      BREAKWATER_INBOX_SEND_RATE: '100000',
      BREAKWATER_INBOX_SEND_BURST: '100000',
      ...this.options.env,
    };
    const [command, ...args] = [...(this.options.wrap ?? []), process.execPath, BIN, 'start'];
    const child = spawn(command!, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exitCode = null;
    this.exited = new Promise((r) => child.once('exit', (code) => { this.exitCode = code; r(code); }));
    return new Promise((resolveStart, reject) => {
      let buffer = '';
      const startTimeoutMs = this.options.startTimeoutMs ?? 20_000;
      const timer = setTimeout(() => reject(new Error(`server did not start in ${startTimeoutMs / 1000} s:\n${this.logs.join('\n')}`)), startTimeoutMs);
      const onLine = (line: string) => {
        this.logs.push(line);
        const m = /^Breakwater listening: http:\/\/[^:]+:(\d+) smtp:\/\/[^:]+:(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          this.httpPort = Number(m[1]);
          this.smtpPort = Number(m[2]);
          this.url = `http://127.0.0.1:${this.httpPort}`;
          this.operatorToken = env.BREAKWATER_OPERATOR_TOKEN;
          resolveStart();
        }
      };
      const feed = (chunk: Buffer) => {
        buffer += chunk.toString();
        let i: number;
        while ((i = buffer.indexOf('\n')) >= 0) {
          onLine(buffer.slice(0, i));
          buffer = buffer.slice(i + 1);
        }
      };
      child.stdout!.on('data', feed);
      child.stderr!.on('data', feed);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before it was ready:\n${this.logs.join('\n')}`));
      });
    });
  }

  /** A JSON request; `key` defaults to none. Bodies that are strings are sent as they are. */
  async api<T = any>(method: string, path: string, opts: { key?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.key) headers.authorization = `Bearer ${opts.key}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  /** A new org; returns its first key. */
  async createOrg(name = 'test-org', plan = 'unlimited'): Promise<{ orgId: string; key: string }> {
    const res = await this.api('POST', '/v1/orgs', { key: this.operatorToken, body: { name, plan } });
    if (res.status !== 201) throw new Error(`createOrg: ${res.status} ${JSON.stringify(res.body)}`);
    return { orgId: res.body.org.id, key: res.body.api_key };
  }

  /** A new org-scoped key of the caller's org (a fresh, full rate-limit bucket). */
  async createKey(key: string, name: string): Promise<{ id: string; key: string }> {
    const res = await this.api('POST', '/v1/keys', { key, body: { name, scopes: ['org'] } });
    if (res.status !== 201) throw new Error(`createKey: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.id, key: res.body.api_key };
  }

  async createInbox(key: string, username?: string): Promise<{ id: string; address: string }> {
    const res = await this.api('POST', '/v1/inboxes', { key, body: username ? { username } : {} });
    if (res.status !== 201) throw new Error(`createInbox: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Polls until `fn` returns a truthy value, or fails after `timeoutMs`. */
  async until<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The server process id (to read its memory from /proc). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGTERM and wait for the exit code. */
  async stop(): Promise<number | null> {
    if (this.child && this.exitCode === null) this.child.kill('SIGTERM');
    const code = await this.exited;
    if (!this.options.keepDataDir && !this.options.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
    return code;
  }

  /** kill -9: no chance to clean up. */
  async crash(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** Start again on the same data dir and ports. */
  async restart(): Promise<void> {
    if (this.exitCode === null && this.child) {
      this.child.kill('SIGTERM');
      await this.exited;
    }
    await this.spawn();
  }
}
