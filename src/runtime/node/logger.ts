import pino from 'pino';
import type { Logger } from '../../core/ports.ts';

/**
 * Fields that hold a credential wherever they sit in a logged object, up to the depth errors
 * nest request headers (`err.config.headers.authorization`, `req.headers.cookie`). Log calls
 * pass ids, never these; this is the net under a mistake. Covered by logger.test.ts and the
 * black-box scan in test/secrets/no-secret-in-logs.test.ts.
 */
const SECRET_FIELDS = [
  'authorization', 'Authorization', 'cookie', 'Cookie', 'set-cookie', 'x-csrf-token', 'csrf_token', 'csrfToken',
  'api_key', 'apiKey', 'token', 'secret', 'password', 'pass', 'dkimPrivateKey', 'privateKeyPkcs8',
];
const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => {
  const key = /^[A-Za-z_]\w*$/.test(f) ? `.${f}` : `["${f}"]`;
  return [key.startsWith('.') ? f : key, `*${key}`, `*.*${key}`, `*.*.*${key}`];
});

/** pino JSON lines on stdout (or `destination`, for tests); core code sees only the Logger port. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'breakwater' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Secrets never reach a log line, whatever an object carries.
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  }, destination as pino.DestinationStream) as unknown as Logger;
}
