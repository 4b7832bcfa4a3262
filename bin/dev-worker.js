#!/usr/bin/env node
// npm run dev:worker — the Worker in workerd through `wrangler dev`, configured from the same
// environment variables as `npm start`: BREAKWATER_HTTP_PORT (default 8787),
// BREAKWATER_OPERATOR_TOKEN, and BREAKWATER_SECRET_KEY, which, when unset, is made once and kept
// beside wrangler's local state (as `npm start` keeps one in its data dir). Extra arguments go
// to wrangler. Once it answers, one request to /readyz migrates the local D1, so the database is
// ready before the first real request.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const keyFile = join(root, '.wrangler', 'breakwater-dev-secret-key');

function localSecretKey() {
  if (existsSync(keyFile)) return readFileSync(keyFile, 'utf8').trim();
  mkdirSync(dirname(keyFile), { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  return key;
}

const vars = {
  BREAKWATER_SECRET_KEY: process.env.BREAKWATER_SECRET_KEY || localSecretKey(),
  ...(process.env.BREAKWATER_OPERATOR_TOKEN ? { BREAKWATER_OPERATOR_TOKEN: process.env.BREAKWATER_OPERATOR_TOKEN } : {}),
};
const port = process.env.BREAKWATER_HTTP_PORT || '8787';
const ipAt = process.argv.indexOf('--ip');
const host = ipAt > 0 && process.argv[ipAt + 1] && process.argv[ipAt + 1] !== '0.0.0.0' ? process.argv[ipAt + 1] : 'localhost';
const args = [
  join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), 'dev', '--port', port,
  ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
  ...process.argv.slice(2),
];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// The first request builds the isolate's composition, which runs the migrations.
const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/readyz`;
const deadline = Date.now() + 120_000;
(async () => {
  while (Date.now() < deadline && child.exitCode === null) {
    const res = await fetch(url).catch(() => null);
    if (res) {
      const body = await res.text();
      if (res.ok) return console.log(`Breakwater (Workers) ready on ${url.replace(/\/readyz$/, '')}: local D1 migrated`);
      // 503 not_configured names what is missing (e.g. BREAKWATER_OPERATOR_TOKEN): say it once.
      return console.log(`Breakwater (Workers) is up but not ready: ${body.slice(0, 300)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
})();
