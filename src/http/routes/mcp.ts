import { z } from 'zod';
import type { AppDeps } from '../app-deps.ts';
import { defineRoute, keyOf, MiB } from '../policy.ts';
import { Problem } from '../schemas.ts';

/**
 * One JSON-RPC 2.0 message, as MCP's streamable HTTP transport posts them. Batches are refused:
 * MCP 2025-06-18 dropped them, and one message per request keeps the key bucket honest.
 */
const JsonRpcMessage = z.strictObject({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string().max(200), z.number().int()]).optional(),
  method: z.string().min(1).max(200).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  result: z.record(z.string(), z.unknown()).optional(),
  error: z.looseObject({ code: z.number().int(), message: z.string().max(10_000) }).optional(),
}).meta({ description: 'A JSON-RPC 2.0 request, notification or response of the Model Context Protocol' });

type Dispatch = (request: Request, env: unknown) => Response | Promise<Response>;

// Tool calls run through this process's own app, without a socket: the same route table,
// limits, loop detection and idempotency as any SDK client, and no URL to trust from a Host
// header. Loaded on first use so the MCP SDK costs nothing to a server that never serves it.
const dispatchers = new WeakMap<AppDeps, Promise<Dispatch>>();

function dispatcherOf(deps: AppDeps): Promise<Dispatch> {
  let d = dispatchers.get(deps);
  if (!d) {
    d = import('../app.ts').then(({ createApp }) => {
      const inner = createApp(deps);
      return (request: Request, env: unknown) => inner.fetch(request, env);
    });
    dispatchers.set(deps, d);
  }
  return d;
}

/**
 * The MCP server over streamable HTTP (issue 9), stateless: POST one JSON-RPC message, get the
 * answer as JSON. GET and DELETE answer 405, which the MCP spec allows a server without its own
 * event stream or sessions to do.
 */
export const mcpRoutes = [
  defineRoute({
    method: 'POST', path: '/mcp', operationId: 'mcp', tag: 'MCP',
    summary: 'The Model Context Protocol server (streamable HTTP, stateless, JSON answers): tools create_inbox, list_inboxes, send_email, reply, '
      + 'list_messages, get_message and wait_for_email, acting with the caller\'s key. Send Accept: application/json, text/event-stream',
    // Its tool calls spend and are checked on their own routes and lanes; this is only the envelope.
    auth: 'key', inboxKeys: 'own', lane: 'control', body: JsonRpcMessage, bodyLimit: 4 * MiB,
    // Not gated: a tool call takes its own in-flight slot inside; holding one here as well could
    // let 64 waiting tool calls starve their own inner requests. Not loop-checked: every MCP
    // client opens with the same `initialize` body, and the inner API calls are checked anyway.
    store: false, loopCheck: false,
    responses: {
      200: { description: 'The JSON-RPC answer', contentType: 'application/json' },
      202: { description: 'A notification or response, accepted' },
      401: { description: 'No or unknown API key', schema: Problem },
      406: { description: 'Accept does not list application/json and text/event-stream (a JSON-RPC error)' },
    },
    handler: async (ctx) => {
      keyOf(ctx);
      // The route's auth accepted exactly this bearer key: tool calls act with it and its scope.
      const apiKey = /^Bearer\s+(\S+)/i.exec(ctx.c.req.header('authorization') ?? '')![1]!;
      const [dispatch, { Breakwater }, { handleMcpRequest }] = await Promise.all([
        dispatcherOf(ctx.deps), import('../../sdk/index.ts'), import('../../mcp/http.ts'),
      ]);
      const env = ctx.c.env;
      const client = new Breakwater({
        apiKey, baseUrl: 'http://breakwater.internal', fetch: (input, init) => Promise.resolve(dispatch(new Request(input, init), env)),
        // A refusal goes back to the model at once with its rule, fix and Retry-After; a server
        // does not sleep on a client's behalf.
        maxRetries: 0,
      });
      const res = await handleMcpRequest(ctx.c.req.raw, ctx.body, client);
      res.headers.set('x-request-id', ctx.requestId);
      return res;
    },
  }),
];
