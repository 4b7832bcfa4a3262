import { z } from 'zod';
import { domain, edgeLimitsFrom, sharedEnvFields } from '../../core/config/shared-env.ts';
import type { EdgeLimits } from '../../core/limits/defaults.ts';
import type { BreakwaterEnv } from './env.ts';

/**
 * The Worker's variables (wrangler.jsonc `vars`, secrets, `.dev.vars`): the Node names of
 * DESIGN §7 where they mean the same thing. Those about files, ports and Redis have no meaning
 * here; the bindings (DB, BLOBS, …) are typed by env.ts.
 */
const WorkerEnvSchema = z.object({
  // The operator token and the secret key are optional at parse time: without them the Worker
  // still serves health and answers 503 naming the variable elsewhere (compose.ts, secrets.ts).
  ...sharedEnvFields,
  // Inbound auth verdicts are read from the Authentication-Results header this MX host writes
  // (Email Routing's); unset, they are recorded as not checked. See email-auth-headers.ts.
  BREAKWATER_EMAIL_AUTHSERV_ID: domain.optional(),
  // DNS-over-HTTPS endpoint (RFC 8484 JSON flavour) for webhook SSRF checks and domain verification.
  BREAKWATER_DOH_URL: z.string().url('must be a URL').default('https://cloudflare-dns.com/dns-query'),
});

export type WorkerConfig = z.output<typeof WorkerEnvSchema>;

export class WorkerConfigError extends Error {}

/** Parses the Worker's variables; a bad value is one line naming the variable, as on Node. */
export function loadWorkerConfig(env: BreakwaterEnv): WorkerConfig {
  const picked = Object.fromEntries(
    Object.entries(env as unknown as Record<string, unknown>).filter(([k, v]) => k.startsWith('BREAKWATER_') && typeof v === 'string' && v !== ''),
  );
  const result = WorkerEnvSchema.safeParse(picked);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    // Never echo the operator token, the secret keys or relay credentials back.
    const shown = /TOKEN|SECRET|RELAY/.test(name) ? '[redacted]' : JSON.stringify(picked[name] ?? '');
    throw new WorkerConfigError(`${name}: ${issue.message} (got ${shown})`);
  }
  return result.data;
}

/** DESIGN §5 limits with the configured rates. */
export function workerEdgeLimits(c: WorkerConfig): EdgeLimits {
  return edgeLimitsFrom(c);
}
