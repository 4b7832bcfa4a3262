import { Breakwater, BreakwaterError } from '../../../sdk/index.ts';
import { DEFAULT_URL } from './client.ts';
import { CliError } from './io.ts';

/**
 * `breakwater mcp`: the MCP server over stdio for an LLM host (Claude Desktop, an IDE). Reads
 * BREAKWATER_URL and BREAKWATER_API_KEY, and checks both with one call before serving: a host
 * shows a server that fails to start with its stderr line, which beats tools that all fail later.
 * stdout carries only MCP messages.
 */
export async function mcpCommand(args: string[]): Promise<void> {
  if (args.length > 0) throw new CliError(`mcp takes no arguments (configure it with BREAKWATER_URL and BREAKWATER_API_KEY), not "${args[0]}"`);
  const url = process.env.BREAKWATER_URL ?? DEFAULT_URL;
  const apiKey = process.env.BREAKWATER_API_KEY;
  if (!apiKey) throw new CliError('BREAKWATER_API_KEY is not set: the MCP server acts with an org or inbox API key (bw_…)');
  if (!apiKey.startsWith('bw_')) throw new CliError('BREAKWATER_API_KEY must be an API key starting with bw_');
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new CliError(`BREAKWATER_URL: "${url}" is not an http(s) URL (e.g. ${DEFAULT_URL})`);
  }
  // Tool calls come from a model that can wait and read refusals: keep the SDK's retries short.
  const client = new Breakwater({ apiKey, baseUrl: url, maxRetries: 2, maxRetryAfterMs: 10_000 });
  try {
    await client.inboxes.list({ limit: 1 }, { maxRetries: 0, timeoutMs: 10_000 }).page();
  } catch (err) {
    if (!(err instanceof BreakwaterError)) throw err;
    if (err.status === 401) throw new CliError(`BREAKWATER_API_KEY: ${err.detail} at ${url}`);
    if (err.status === 0) throw new CliError(`BREAKWATER_URL: ${err.detail}; is the server running?`);
    throw err;
  }
  // Loaded once the configuration holds: a misconfigured start fails without paying for it.
  const [{ StdioServerTransport }, { createMcpServer }] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/stdio.js'), import('../../../mcp/server.ts'),
  ]);
  await createMcpServer(client).connect(new StdioServerTransport());
}
