import { z } from 'zod';
import { edgeLimitsFrom, positiveInt, sharedEnvFields } from '../../core/config/shared-env.ts';
import type { EdgeLimits } from '../../core/limits/defaults.ts';
import type { SmtpLimits } from './smtp/inbound-server.ts';

const port = z.coerce.number({ error: 'must be a port number' }).int('must be a whole number').min(0, 'must be 0–65535').max(65535, 'must be 0–65535');
const timeoutMs = z.coerce.number({ error: 'must be a number of milliseconds' }).int('must be a whole number').min(100, 'must be at least 100').max(86_400_000, 'must be at most 86400000');

/** Every environment variable Breakwater reads (DESIGN §7); nothing else reads the environment. */
const EnvSchema = z.object({
  ...sharedEnvFields,
  BREAKWATER_HOST: z.string().min(1).default('127.0.0.1'),
  BREAKWATER_HTTP_PORT: port.default(3000),
  BREAKWATER_SMTP_PORT: port.default(2525),
  BREAKWATER_DATA_DIR: z.string().min(1).default('./data'),
  BREAKWATER_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  BREAKWATER_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  BREAKWATER_TLS_CERT: z.string().optional(),
  BREAKWATER_TLS_KEY: z.string().optional(),
  BREAKWATER_SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  BREAKWATER_SQLITE_CACHE_MB: positiveInt.max(65536, 'must be at most 65536').default(16),
  // Scale-out (docs/deployment.md): the least node count (the nodes also count themselves in Redis),
  // for the share of each limit a node grants alone while Redis is down; how long a job stays
  // leased to a node before another may take it back.
  BREAKWATER_NODE_COUNT: positiveInt.default(1),
  BREAKWATER_JOB_LEASE_MS: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1000, 'must be at least 1000').max(3_600_000, 'must be at most 3600000').default(60_000),
  BREAKWATER_DATABASE_POOL_SIZE: positiveInt.max(1000, 'must be at most 1000').default(10),
  // Keys and pub/sub channels (channels ignore Redis's database number): deployments sharing a Redis need their own.
  BREAKWATER_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'must be 1–64 letters, digits or : _ . -').default('bw:'),
  // The MX's abuse limits (src/runtime/node/smtp/inbound-server.ts SMTP_DEFAULTS); unset means the default.
  BREAKWATER_SMTP_MAX_RECIPIENTS: positiveInt.optional(),
  BREAKWATER_SMTP_MAX_FAILED_RECIPIENTS: positiveInt.optional(),
  BREAKWATER_SMTP_MAX_CLIENTS: positiveInt.optional(),
  BREAKWATER_SMTP_MAX_CLIENTS_PER_ADDRESS: positiveInt.optional(),
  BREAKWATER_SMTP_IDLE_TIMEOUT_MS: timeoutMs.optional(),
  BREAKWATER_SMTP_COMMAND_TIMEOUT_MS: timeoutMs.optional(),
  BREAKWATER_SMTP_SESSION_TIMEOUT_MS: timeoutMs.optional(),
});

export type Config = z.output<typeof EnvSchema>;

/** The edge limits of DESIGN §5 with the configured rates applied. */
export function edgeLimits(c: Config): EdgeLimits {
  return edgeLimitsFrom(c);
}

/** The MX's configured abuse limits; what is unset keeps SMTP_DEFAULTS. */
export function smtpLimits(c: Config): Partial<SmtpLimits> {
  const picked = {
    maxRecipients: c.BREAKWATER_SMTP_MAX_RECIPIENTS,
    maxFailedRecipients: c.BREAKWATER_SMTP_MAX_FAILED_RECIPIENTS,
    maxClients: c.BREAKWATER_SMTP_MAX_CLIENTS,
    maxClientsPerAddress: c.BREAKWATER_SMTP_MAX_CLIENTS_PER_ADDRESS,
    idleTimeoutMs: c.BREAKWATER_SMTP_IDLE_TIMEOUT_MS,
    commandTimeoutMs: c.BREAKWATER_SMTP_COMMAND_TIMEOUT_MS,
    sessionTimeoutMs: c.BREAKWATER_SMTP_SESSION_TIMEOUT_MS,
  };
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined));
}

export class ConfigError extends Error {}

/** Variables whose values are credentials (or may carry one, as a URL's password). */
const SECRET_VARIABLE = /TOKEN|SECRET|_URL$|RELAY|TLS_KEY/;

/** Parses the environment; a bad value stops the start with one line naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('BREAKWATER_') && v !== undefined && v !== ''));
  const result = EnvSchema.safeParse(picked);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    // Never echo a credential into a terminal or a log collector: tokens, keys, URLs with passwords.
    const shown = SECRET_VARIABLE.test(name) ? '[redacted]' : JSON.stringify(picked[name] ?? '');
    throw new ConfigError(`${name}: ${issue.message} (got ${shown})`);
  }
  const c = result.data;
  if (Boolean(c.BREAKWATER_TLS_CERT) !== Boolean(c.BREAKWATER_TLS_KEY)) {
    throw new ConfigError(`${c.BREAKWATER_TLS_CERT ? 'BREAKWATER_TLS_KEY' : 'BREAKWATER_TLS_CERT'}: set both BREAKWATER_TLS_CERT and BREAKWATER_TLS_KEY, or neither`);
  }
  return c;
}
