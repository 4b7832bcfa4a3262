import { z } from 'zod';
import { EDGE_DEFAULTS, mailLoopRule, type EdgeLimits } from '../../core/limits/defaults.ts';
import { parseSecretKey } from '../../core/secrets/aes-gcm-box.ts';
import type { BreakwaterEnv } from './env.ts';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const positiveInt = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(1_000_000, 'must be at most 1000000');
const secretKey = z.string().refine((v) => parseSecretKey(v) !== null, 'must be 32 bytes: 64 hex digits or base64 (openssl rand -hex 32)');
const domain = z.string().regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i, 'must be a domain name such as agents.example.com');

/**
 * The Worker's variables (wrangler.jsonc `vars`, secrets, `.dev.vars`): the Node names of
 * DESIGN §7 where they mean the same thing. Those about files, ports and Redis have no meaning
 * here; the bindings (DB, BLOBS, …) are typed by env.ts.
 */
const WorkerEnvSchema = z.object({
  BREAKWATER_DOMAIN: domain.default('agents.localhost').transform((d) => d.toLowerCase()),
  // Optional at parse time: without it the Worker still serves health and answers 503 on operator paths.
  BREAKWATER_OPERATOR_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // Seals webhook secrets and DKIM keys in D1 (secrets.ts); unset, derived from the operator token.
  BREAKWATER_SECRET_KEY: secretKey.optional(),
  BREAKWATER_SECRET_KEY_PREVIOUS: secretKey.optional(),
  BREAKWATER_SMTP_RELAY: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  BREAKWATER_WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  BREAKWATER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BREAKWATER_PUBLIC_URL: z.string().url('must be a URL').optional(),
  BREAKWATER_REPUTATION_SELF_RESUME: bool.default(false),
  BREAKWATER_KEY_RATE: positiveInt.default(20),
  BREAKWATER_KEY_BURST: positiveInt.default(40),
  BREAKWATER_INBOX_SEND_RATE: positiveInt.default(5),
  BREAKWATER_INBOX_SEND_BURST: positiveInt.default(10),
  BREAKWATER_MAX_IN_FLIGHT: positiveInt.default(64),
  // Replies one inbox may send into one thread per window before 429 loop_detected (rule mail-loop).
  BREAKWATER_MAIL_LOOP_MESSAGES: positiveInt.default(10),
  BREAKWATER_MAIL_LOOP_WINDOW_S: positiveInt.max(86_400, 'must be at most 86400').default(600),
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
  return {
    ...EDGE_DEFAULTS,
    key: { name: 'key', limit: c.BREAKWATER_KEY_RATE, windowMs: 1000, burst: c.BREAKWATER_KEY_BURST },
    inboxSend: { name: 'inbox-send', limit: c.BREAKWATER_INBOX_SEND_RATE, windowMs: 1000, burst: c.BREAKWATER_INBOX_SEND_BURST },
    maxInFlight: c.BREAKWATER_MAX_IN_FLIGHT,
    mailLoop: mailLoopRule(c.BREAKWATER_MAIL_LOOP_MESSAGES, c.BREAKWATER_MAIL_LOOP_WINDOW_S),
  };
}
