import "./env.ts";
import { composition } from './compose.ts';
import { receiveEmail } from './email.ts';
import type { BreakwaterEnv } from './env.ts';
import { handleFetch } from './http.ts';
import { consumeWakeUps, sweep } from './jobs.ts';

// The Durable Object classes wrangler.jsonc binds (STORE_WRITER, LIMITER, QUARANTINE).
export { StoreWriter } from './objects/store-writer.ts';
export { LimiterShard } from './objects/limiter-shard.ts';
export { QuarantineRegistry } from './objects/quarantine-registry.ts';

/** Breakwater at the edge (DESIGN §3): HTTP API, Email Workers MX, job queue consumer, cron. */
export default {
  fetch: (request, env, ctx) => handleFetch(request, env, ctx),

  async email(message, env) {
    await receiveEmail(await composition(env), message);
  },

  async queue(batch, env) {
    await consumeWakeUps(await composition(env), batch);
  },

  async scheduled(_controller, env) {
    await sweep(await composition(env));
  },
} satisfies ExportedHandler<BreakwaterEnv>;
