#!/usr/bin/env node
// npm run dev:worker — the Worker in workerd through `wrangler dev`, configured from the same
// environment variables as `npm start`: BREAKWATER_HTTP_PORT (default 8787),
// BREAKWATER_OPERATOR_TOKEN, and BREAKWATER_SECRET_KEY, which, when unset, is made once and kept
// beside wrangler's local state (as `npm start` keeps one in its data dir). Extra arguments go
// to wrangler.
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
const args = [
  join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), 'dev', '--port', process.env.BREAKWATER_HTTP_PORT || '8787',
  ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
  ...process.argv.slice(2),
];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
