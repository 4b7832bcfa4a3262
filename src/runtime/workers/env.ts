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
  /** Secrets (`wrangler secret put`): the key sealing webhook secrets and DKIM keys, and the one before a rotation. */
  BREAKWATER_SECRET_KEY?: string;
  BREAKWATER_SECRET_KEY_PREVIOUS?: string;
  BREAKWATER_SMTP_RELAY?: string;
  // Optional variables (config.ts parses and checks every BREAKWATER_* one).
  BREAKWATER_PUBLIC_URL?: string;
  BREAKWATER_WEBHOOK_ALLOW_PRIVATE?: string;
  BREAKWATER_REPUTATION_SELF_RESUME?: string;
  BREAKWATER_KEY_RATE?: string;
  BREAKWATER_KEY_BURST?: string;
  BREAKWATER_INBOX_SEND_RATE?: string;
  BREAKWATER_INBOX_SEND_BURST?: string;
  BREAKWATER_MAX_IN_FLIGHT?: string;
  /** The authserv-id whose Authentication-Results header is trusted for inbound verdicts. */
  BREAKWATER_EMAIL_AUTHSERV_ID?: string;
  BREAKWATER_DOH_URL?: string;
}

declare global {
  // `import { env } from 'cloudflare:workers'` is typed by this interface.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Cloudflare {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Env extends BreakwaterEnv {}
  }
}
