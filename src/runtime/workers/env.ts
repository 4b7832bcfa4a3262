import type { LimiterShard, QuarantineRegistry, StoreWriter } from './index.ts';

/** The bindings of wrangler.jsonc, by name: the one list the Worker and its tests share. */
export interface BreakwaterEnv {
  DB: D1Database;
  BLOBS: R2Bucket;
  STORE_WRITER: DurableObjectNamespace<StoreWriter>;
  LIMITER: DurableObjectNamespace<LimiterShard>;
  QUARANTINE: DurableObjectNamespace<QuarantineRegistry>;
  JOBS: Queue<unknown>;
  BREAKWATER_DOMAIN: string;
  BREAKWATER_LOG_LEVEL: string;
  /** A secret (`wrangler secret put`), or `.dev.vars` locally. */
  BREAKWATER_OPERATOR_TOKEN?: string;
  BREAKWATER_SMTP_RELAY?: string;
}

declare global {
  // `import { env } from 'cloudflare:workers'` is typed by this interface.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Cloudflare {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Env extends BreakwaterEnv {}
  }
}
