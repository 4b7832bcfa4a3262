import { WorkerConfigError } from './config.ts';
import { composition } from './compose.ts';
import type { BreakwaterEnv } from './env.ts';

/**
 * The fetch handler: the same Hono app as Node, once the isolate's composition is ready. A
 * missing or bad variable answers every request except liveness with a 503 problem naming it,
 * as the Node process would refuse to start with that line.
 */
export async function handleFetch(request: Request, env: BreakwaterEnv, ctx: ExecutionContext): Promise<Response> {
  let c;
  try {
    c = await composition(env);
  } catch (err) {
    const path = new URL(request.url).pathname;
    if (path === '/healthz') return Response.json({ status: 'ok' });
    if (err instanceof WorkerConfigError) return notConfigured(err.message);
    console.error(JSON.stringify({ level: 50, time: new Date().toISOString(), service: 'breakwater', msg: 'worker start failed', err: err instanceof Error ? err.message : String(err) }));
    return notConfigured('the worker could not start (store or bindings unavailable); see the worker logs', 'start_failed');
  }
  return c.app.fetch(request, env, ctx);
}

function notConfigured(detail: string, code = 'not_configured'): Response {
  const body = {
    type: `https://breakwater.dev/problems/${code.replace(/_/g, '-')}`, title: 'Service not configured', status: 503, detail, code,
    fix: 'Set the variable (wrangler secret put, or .dev.vars locally) and retry.',
  };
  return new Response(JSON.stringify(body), { status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '60' } });
}
