import { StoreUnavailableError } from './errors.ts';
import type { Logger } from './ports.ts';

/** At most one line per this long for work refused because the store is out of reach. */
export const STORE_FAULT_LOG_WINDOW_MS = 10_000;

interface Window {
  startedAt: number;
  /** Refusals since the last line, not logged one by one. */
  unlogged: number;
}

// Keyed by the process's (or isolate's) logger, so no composition root has to carry it.
const windows = new WeakMap<Logger, Window>();

/**
 * Logs a refusal caused by a store fault (StoreUnavailableError). During an outage every
 * request and SMTP transaction is refused the same way; a warn line each would turn a storm
 * into a log storm. The first in a window is logged with its cause; the rest are counted and
 * the count rides on the next line (`unlogged_since_last`). Every refusal is still counted in
 * the rejection metrics.
 */
export function logStoreFault(logger: Logger, fields: Record<string, unknown>, msg = 'store unavailable', now = Date.now()): void {
  const w = windows.get(logger);
  if (w && now - w.startedAt < STORE_FAULT_LOG_WINDOW_MS) {
    w.unlogged++;
    return;
  }
  logger.warn({ ...fields, unlogged_since_last: w?.unlogged ?? 0 }, msg);
  windows.set(logger, { startedAt: now, unlogged: 0 });
}

/** A failed store call: a store fault is logged as above, anything else (a defect) as an error, each time. */
export function logStoreFailure(logger: Logger, err: unknown, fields: Record<string, unknown>, msg: string): void {
  if (err instanceof StoreUnavailableError) logStoreFault(logger, { ...fields, err: err.cause }, `${msg}: store unavailable`);
  else logger.error({ ...fields, err }, msg);
}
