import { z } from 'zod';
import { EDGE_DEFAULTS, mailLoopRule, type EdgeLimits } from '../../core/limits/defaults.ts';
import { parseSecretKey } from '../../core/secrets/aes-gcm-box.ts';
import type { SmtpLimits } from './smtp/inbound-server.ts';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number({ error: 'must be a port number' }).int('must be a whole number').min(0, 'must be 0–65535').max(65535, 'must be 0–65535');
const positiveInt = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(1_000_000, 'must be at most 1000000');
const timeoutMs = z.coerce.number({ error: 'must be a number of milliseconds' }).int('must be a whole number').min(100, 'must be at least 100').max(86_400_000, 'must be at most 86400000');
// 32 bytes for AES-256-GCM (src/core/secrets/aes-gcm-box.ts); `openssl rand -hex 32` makes one.
const secretKey = z.string().refine((v) => parseSecretKey(v) !== null, 'must be 32 bytes: 64 hex digits or base64 (openssl rand -hex 32)');
const domain = z.string().regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i, 'must be a domain name such as agents.example.com');

/** Every environment variable Breakwater reads (DESIGN §7); nothing else reads the environment. */
const EnvSchema = z.object({
  BREAKWATER_HOST: z.string().min(1).default('127.0.0.1'),
  BREAKWATER_HTTP_PORT: port.default(3000),
  BREAKWATER_SMTP_PORT: port.default(2525),
  BREAKWATER_DATA_DIR: z.string().min(1).default('./data'),
  BREAKWATER_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  BREAKWATER_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  BREAKWATER_DOMAIN: domain.default('agents.localhost').transform((d) => d.toLowerCase()),
  BREAKWATER_OPERATOR_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // Seals webhook secrets and DKIM keys at rest; unset on a single node, one is made in the data dir.
  BREAKWATER_SECRET_KEY: secretKey.optional(),
  // The key before a rotation: still opens what it sealed until the start reseals it all.
  BREAKWATER_SECRET_KEY_PREVIOUS: secretKey.optional(),
  BREAKWATER_SMTP_RELAY: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  BREAKWATER_TLS_CERT: z.string().optional(),
  BREAKWATER_TLS_KEY: z.string().optional(),
  BREAKWATER_WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  BREAKWATER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BREAKWATER_PUBLIC_URL: z.string().url('must be a URL').optional(),
  BREAKWATER_SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  // Deliverability: may an org key resume its own paused inbox (default: the operator only)?
  BREAKWATER_REPUTATION_SELF_RESUME: bool.default(false),
  BREAKWATER_KEY_RATE: positiveInt.default(20),
  BREAKWATER_KEY_BURST: positiveInt.default(40),
  BREAKWATER_INBOX_SEND_RATE: positiveInt.default(5),
  BREAKWATER_INBOX_SEND_BURST: positiveInt.default(10),
  BREAKWATER_MAX_IN_FLIGHT: positiveInt.default(64),
  // Replies one inbox may send into one thread per window before 429 loop_detected (rule mail-loop).
  BREAKWATER_MAIL_LOOP_MESSAGES: positiveInt.default(10),
  BREAKWATER_MAIL_LOOP_WINDOW_S: positiveInt.max(86_400, 'must be at most 86400').default(600),
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
  return {
    ...EDGE_DEFAULTS,
    key: { name: 'key', limit: c.BREAKWATER_KEY_RATE, windowMs: 1000, burst: c.BREAKWATER_KEY_BURST },
    inboxSend: { name: 'inbox-send', limit: c.BREAKWATER_INBOX_SEND_RATE, windowMs: 1000, burst: c.BREAKWATER_INBOX_SEND_BURST },
    maxInFlight: c.BREAKWATER_MAX_IN_FLIGHT,
    mailLoop: mailLoopRule(c.BREAKWATER_MAIL_LOOP_MESSAGES, c.BREAKWATER_MAIL_LOOP_WINDOW_S),
  };
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
