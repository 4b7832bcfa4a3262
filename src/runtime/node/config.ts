import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number({ error: 'must be a port number' }).int('must be a whole number').min(0, 'must be 0–65535').max(65535, 'must be 0–65535');
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
  BREAKWATER_SMTP_RELAY: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  BREAKWATER_TLS_CERT: z.string().optional(),
  BREAKWATER_TLS_KEY: z.string().optional(),
  BREAKWATER_WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  BREAKWATER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BREAKWATER_PUBLIC_URL: z.string().url('must be a URL').optional(),
  BREAKWATER_SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
});

export type Config = z.output<typeof EnvSchema>;

export class ConfigError extends Error {}

/** Parses the environment; a bad value stops the start with one line naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('BREAKWATER_') && v !== undefined && v !== ''));
  const result = EnvSchema.safeParse(picked);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`${name}: ${issue.message} (got ${JSON.stringify(picked[name] ?? '')})`);
  }
  const c = result.data;
  if (Boolean(c.BREAKWATER_TLS_CERT) !== Boolean(c.BREAKWATER_TLS_KEY)) {
    throw new ConfigError(`${c.BREAKWATER_TLS_CERT ? 'BREAKWATER_TLS_KEY' : 'BREAKWATER_TLS_CERT'}: set both BREAKWATER_TLS_CERT and BREAKWATER_TLS_KEY, or neither`);
  }
  return c;
}
