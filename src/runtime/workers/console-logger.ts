import type { Logger } from '../../core/ports.ts';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
export type LogLevel = keyof typeof LEVELS;

/** Field names never written, wherever they sit in an object: the pino redaction list of the Node logger. */
const SECRET = new Set(['authorization', 'cookie', 'set-cookie', 'x-csrf-token', 'csrf_token', 'csrftoken', 'api_key', 'apikey', 'token', 'secret', 'password', 'pass', 'dkimprivatekey', 'privatekeypkcs8']);

function serialize(value: unknown, depth: number): unknown {
  if (value instanceof Error) return { type: value.name, message: value.message, stack: value.stack };
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? String(value) : value;
  if (depth > 4) return '[object]';
  if (Array.isArray(value)) return value.map((v) => serialize(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET.has(k.toLowerCase()) ? '[redacted]' : serialize(v, depth + 1);
  return out;
}

/**
 * The Logger port on Workers: one JSON line per entry through `console`, which Workers Logs and
 * `wrangler tail` collect. The same fields as the Node (pino) lines: level, time, service, msg.
 */
export function createConsoleLogger(level: LogLevel, bindings: Record<string, unknown> = { service: 'breakwater' }): Logger {
  const threshold = LEVELS[level];
  const write = (name: Exclude<LogLevel, 'silent'>, obj: object, msg?: string) => {
    if (LEVELS[name] < threshold) return;
    const line = JSON.stringify({ level: LEVELS[name], time: new Date().toISOString(), ...bindings, ...(serialize(obj, 0) as object), ...(msg ? { msg } : {}) });
    if (LEVELS[name] >= LEVELS.error) console.error(line);
    else if (LEVELS[name] >= LEVELS.warn) console.warn(line);
    else console.log(line);
  };
  return {
    debug: (obj, msg) => write('debug', obj, msg),
    info: (obj, msg) => write('info', obj, msg),
    warn: (obj, msg) => write('warn', obj, msg),
    error: (obj, msg) => write('error', obj, msg),
    child: (more) => createConsoleLogger(level, { ...bindings, ...more }),
  };
}
