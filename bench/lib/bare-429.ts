/**
 * The baseline of bench/burst.ts: a bare Hono app on @hono/node-server, no middleware, answering
 * every request with the same 429 Breakwater gave (body and headers captured from it), in its own
 * process like the server. Forked: receives `{ body, headers }`, answers `{ port }` once listening.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

export interface BareAnswer {
  body: string;
  headers: Record<string, string>;
}

if (process.send) {
  process.once('message', (answer: BareAnswer) => {
    const app = new Hono();
    app.all('*', () => new Response(answer.body, { status: 429, headers: answer.headers }));
    serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => process.send!({ port: info.port }));
  });
  // The parent closing the channel (or dying) ends the baseline.
  process.once('disconnect', () => process.exit(0));
}
