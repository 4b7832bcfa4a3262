/**
 * The MCP server at /mcp on the Breakwater HTTP server (streamable HTTP, stateless), driven by
 * the official MCP client with a Bearer API key. Tool calls run through the API's own edge, so a
 * key's scope holds inside MCP too.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';
import { agentScenario, call } from './mcp-helpers.ts';

let server: TestServer;
let key: string;

beforeAll(async () => {
  server = await TestServer.start();
  key = (await server.createOrg('mcp-http')).key;
});

afterAll(async () => {
  await server?.stop();
});

async function connect(apiKey: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${apiKey}` } } });
  const client = new Client({ name: 'breakwater-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

describe('MCP over streamable HTTP at /mcp', () => {
  it('serves the tools to the official client', async () => {
    const client = await connect(key);
    try {
      await agentScenario(client, 'http');
    } finally {
      await client.close();
    }
  });

  it('needs an API key, and refuses the operator token', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const none = await server.api('POST', '/mcp', { body: init, headers });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: 'unauthorized' });
    const operator = await server.api('POST', '/mcp', { key: server.operatorToken, body: init, headers });
    expect(operator.status).toBe(403);
    await expect(connect('bw_' + 'A'.repeat(32))).rejects.toThrow();
    const ok = await server.api('POST', '/mcp', { key, body: init, headers });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toMatch(/^req_/);
    expect(ok.body).toMatchObject({ jsonrpc: '2.0', id: 1, result: { serverInfo: { name: 'breakwater' } } });
    // Stateless: no event stream of its own to GET, no session to DELETE.
    expect((await server.api('GET', '/mcp', { key })).status).toBe(405);
  });

  it('keeps an inbox-scoped key to its inbox', async () => {
    const mine = await server.createInbox(key, 'scoped-mine');
    const other = await server.createInbox(key, 'scoped-other');
    const scoped = (await server.api('POST', '/v1/keys', { key, body: { scopes: ['inbox'], inbox_ids: [mine.id] } })).body.api_key;
    const client = await connect(scoped);
    try {
      const allowed = await call(client, 'send_email', { inbox_id: mine.id, to: ['someone@example.com'], subject: 's', text: 't' });
      expect(allowed.isError).toBeFalsy();
      const refused = await call(client, 'send_email', { inbox_id: other.id, to: ['someone@example.com'], subject: 's', text: 't' });
      expect(refused.isError).toBe(true);
      expect(refused.data.error.status).toBeGreaterThanOrEqual(403);
    } finally {
      await client.close();
    }
  });
});
