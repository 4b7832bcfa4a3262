/**
 * `breakwater mcp` over stdio, driven by the official MCP client, as an LLM host would spawn it:
 * `node bin/breakwater.js mcp` with BREAKWATER_URL and BREAKWATER_API_KEY.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';
import { agentScenario } from './mcp-helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/breakwater.js');

let server: TestServer;
let key: string;

beforeAll(async () => {
  server = await TestServer.start();
  key = (await server.createOrg('mcp-stdio')).key;
});

afterAll(async () => {
  await server?.stop();
});

const baseEnv = () => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' });

describe('MCP over stdio', () => {
  it('serves the tools to the official client', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath, args: [BIN, 'mcp'], cwd: ROOT, stderr: 'pipe',
      env: { ...baseEnv(), BREAKWATER_URL: server.url, BREAKWATER_API_KEY: key },
    });
    const client = new Client({ name: 'breakwater-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect(client.getServerVersion()?.name).toBe('breakwater');
      expect(client.getInstructions()).toContain('untrusted_email_content');
      await agentScenario(client, 'stdio');
    } finally {
      await client.close();
    }
  });

  it.each([
    ['no key', {}, /BREAKWATER_API_KEY is not set/],
    ['a bad URL', { BREAKWATER_API_KEY: 'bw_x', BREAKWATER_URL: 'ftp://x' }, /BREAKWATER_URL/],
    ['an unknown key', { BREAKWATER_API_KEY: 'bw_' + 'A'.repeat(32) }, /BREAKWATER_API_KEY: unknown API key/],
    ['a server that is not there', { BREAKWATER_API_KEY: 'bw_x', BREAKWATER_URL: 'http://127.0.0.1:1' }, /cannot reach http:\/\/127\.0\.0\.1:1/],
  ] as Array<[string, Record<string, string>, RegExp]>)('refuses to start with %s: one line on stderr, non-zero exit', (_name, env, message) => {
    const r = spawnSync(process.execPath, [BIN, 'mcp'], {
      cwd: ROOT, encoding: 'utf8', timeout: 60_000, input: '',
      env: { ...baseEnv(), BREAKWATER_URL: server.url, ...env },
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^breakwater: /);
    expect(lines[0]).toMatch(message);
  });
});
