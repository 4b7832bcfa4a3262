/**
 * MCP over streamable HTTP, stateless: each POST gets a fresh server and transport (the MCP
 * SDK's stateless pattern), so no session lives in one process and any node of a scale-out
 * deployment, or a Worker, can answer any request. Answers are plain JSON (no SSE): every tool
 * is a single request and answer.
 */
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Breakwater } from '../sdk/index.ts';
import { createMcpServer } from './server.ts';

/**
 * The longest wait_for_email over HTTP: the API's own long-poll cap (DESIGN §4), so a held
 * request never outlasts what a graceful shutdown waits for.
 */
const HTTP_MAX_WAIT_SECONDS = 30;

/** Answers one MCP POST whose JSON body the caller has already read and checked. */
export async function handleMcpRequest(request: Request, parsedBody: unknown, client: Breakwater): Promise<Response> {
  const server = createMcpServer(client, { maxWaitSeconds: HTTP_MAX_WAIT_SECONDS });
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  await server.connect(transport);
  // A client that leaves mid-call (a long wait_for_email) stops the tool: closing aborts its signal.
  const onAbort = () => void server.close();
  request.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await transport.handleRequest(request, { parsedBody });
  } finally {
    request.signal.removeEventListener('abort', onAbort);
    // The JSON answer is complete here: nothing of this request outlives it.
    await server.close();
  }
}
