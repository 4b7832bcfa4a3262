import pino from 'pino';
import type { Logger } from '../../core/ports.ts';

/** pino JSON lines on stdout; core code sees only the Logger port. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'breakwater' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Secrets never reach a log line, whatever an object carries.
    redact: { paths: ['authorization', '*.authorization', 'api_key', '*.api_key', 'token', '*.token', 'secret', '*.secret'], censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  }) as unknown as Logger;
}
