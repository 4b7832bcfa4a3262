/**
 * The variables both shapes read (DESIGN §7), with one meaning and one validation: the Node
 * process (src/runtime/node/config.ts) and the Worker (src/runtime/workers/config.ts) spread
 * these into their own schemas and add what only they have (ports and files; bindings).
 */
import { z } from 'zod';
import { EDGE_DEFAULTS, mailLoopRule, type EdgeLimits } from '../limits/defaults.ts';
import { parseSecretKey } from '../secrets/aes-gcm-box.ts';

export const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
export const positiveInt = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(1_000_000, 'must be at most 1000000');
// 32 bytes for AES-256-GCM (src/core/secrets/aes-gcm-box.ts); `openssl rand -hex 32` makes one.
export const secretKey = z.string().refine((v) => parseSecretKey(v) !== null, 'must be 32 bytes: 64 hex digits or base64 (openssl rand -hex 32)');
export const domain = z.string().regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i, 'must be a domain name such as agents.example.com');

export const sharedEnvFields = {
  BREAKWATER_DOMAIN: domain.default('agents.localhost').transform((d) => d.toLowerCase()),
  BREAKWATER_OPERATOR_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // Seals webhook secrets and DKIM keys at rest (a single Node process makes one in its data dir).
  BREAKWATER_SECRET_KEY: secretKey.optional(),
  // The key before a rotation: still opens what it sealed until the start reseals it all.
  BREAKWATER_SECRET_KEY_PREVIOUS: secretKey.optional(),
  BREAKWATER_SMTP_RELAY: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  BREAKWATER_WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  BREAKWATER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BREAKWATER_PUBLIC_URL: z.string().url('must be a URL').optional(),
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
};

type LimitSettings = Pick<z.output<z.ZodObject<typeof sharedEnvFields>>,
  'BREAKWATER_KEY_RATE' | 'BREAKWATER_KEY_BURST' | 'BREAKWATER_INBOX_SEND_RATE' | 'BREAKWATER_INBOX_SEND_BURST' | 'BREAKWATER_MAX_IN_FLIGHT' | 'BREAKWATER_MAIL_LOOP_MESSAGES' | 'BREAKWATER_MAIL_LOOP_WINDOW_S'>;

/** The edge limits of DESIGN §5 with the configured rates applied. */
export function edgeLimitsFrom(c: LimitSettings): EdgeLimits {
  return {
    ...EDGE_DEFAULTS,
    key: { name: 'key', limit: c.BREAKWATER_KEY_RATE, windowMs: 1000, burst: c.BREAKWATER_KEY_BURST },
    inboxSend: { name: 'inbox-send', limit: c.BREAKWATER_INBOX_SEND_RATE, windowMs: 1000, burst: c.BREAKWATER_INBOX_SEND_BURST },
    maxInFlight: c.BREAKWATER_MAX_IN_FLIGHT,
    mailLoop: mailLoopRule(c.BREAKWATER_MAIL_LOOP_MESSAGES, c.BREAKWATER_MAIL_LOOP_WINDOW_S),
  };
}
