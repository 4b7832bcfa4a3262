import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface Spawned {
  child: ChildProcess;
  /** The first line matching the ready pattern. */
  ready: RegExpExecArray;
  /** Resident memory, and its anonymous (heaps, malloc) and file-backed (code, mapped files) pages, in MB. */
  memory(): ResidentMemory;
  stop(): Promise<void>;
}

export interface ResidentMemory { rssMb: number; anonMb: number; fileMb: number }

/** One reading of /proc/<pid>/status (Linux); NaN elsewhere or once the process is gone. */
function residentMemory(pid: number | undefined): ResidentMemory {
  let status = '';
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    // no /proc, or the process has exited
  }
  const mb = (field: string) => {
    const kb = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1];
    return kb === undefined ? NaN : Number(kb) / 1024;
  };
  return { rssMb: mb('VmRSS'), anonMb: mb('RssAnon'), fileMb: mb('RssFile') + mb('RssShmem') };
}

/** Spawns a process and resolves once a stdout line matches `ready`; later output is discarded. */
export function spawnUntil(cmd: string, args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 20_000): Promise<Spawned> {
  const child = spawn(cmd, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolveReady, reject) => {
    let buf = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`not ready in ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stderr!.on('data', (d: Buffer) => { if (err.length < 4000) err += d.toString(); });
    const onData = (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n')) {
        const m = ready.exec(line);
        if (m) {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          child.stdout!.resume();
          resolveReady({
            child, ready: m,
            memory: () => residentMemory(child.pid),
            stop: () => new Promise((r) => {
              if (child.exitCode !== null) return r();
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
          });
          return;
        }
      }
      if (buf.length > 100_000) buf = buf.slice(-10_000);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code} before ready: ${err}`)));
  });
}

export interface BreakwaterProcess extends Spawned {
  url: string;
  smtpPort: number;
  dataDir: string;
  operatorToken: string;
}

/** A Breakwater node on free ports with a fresh data dir; logs go nowhere after the ready line. */
export async function startBreakwater(env: Record<string, string> = {}): Promise<BreakwaterProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bw-bench-'));
  const operatorToken = 'bwop_bench_operator_token_0123456789';
  const s = await spawnUntil(process.execPath, [join(ROOT, 'bin/breakwater.js'), 'start'], {
    BREAKWATER_DATA_DIR: dataDir, BREAKWATER_HTTP_PORT: '0', BREAKWATER_SMTP_PORT: '0', BREAKWATER_OPERATOR_TOKEN: operatorToken,
    // One key for every node of a scale-out run (required with BREAKWATER_DATABASE_URL).
    BREAKWATER_SECRET_KEY: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', ...env,
  }, /^Breakwater listening: http:\/\/[^:]+:(\d+) smtp:\/\/[^:]+:(\d+)/);
  const stop = s.stop;
  return {
    ...s, url: `http://127.0.0.1:${s.ready[1]}`, smtpPort: Number(s.ready[2]), dataDir, operatorToken,
    stop: async () => { await stop(); rmSync(dataDir, { recursive: true, force: true }); },
  };
}

/** JSON over fetch, for set-up calls (not for load). */
export async function api(url: string, method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url + path, {
    method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
