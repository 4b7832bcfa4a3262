import { BreakwaterError } from '../errors.ts';
import type { IdempotencyRecord } from '../model.ts';

/** The key as sent: the IETF draft's quoted sf-string (`"8e03…"`) or the bare form. */
export function parseIdempotencyKey(header: string | undefined | null): string | null {
  if (header == null) return null;
  let key = header.trim();
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1);
  return key;
}

const KEY_RE = /^[\x21-\x7e]{1,256}$/;

/** 1–256 visible ASCII characters (DESIGN §5). */
export function isValidIdempotencyKey(key: string): boolean {
  return KEY_RE.test(key);
}

/**
 * Requests that hold an idempotency key right now, in this process. The durable record is
 * written with the send in one transaction; this set only answers `idempotency_in_progress`
 * to a retry that arrives before the first request has committed.
 */
export class InFlightKeys {
  private readonly held = new Set<string>();

  /** Runs `fn` holding `orgId:key`; a concurrent holder gets 409 at once. */
  async hold<T>(orgId: string, key: string, fn: () => Promise<T>): Promise<T> {
    const id = `${orgId}\u0000${key}`;
    if (this.held.has(id)) {
      throw new BreakwaterError('idempotency_in_progress', 'a request with this Idempotency-Key is still running', {
        fix: 'Wait for the first request to finish, then retry with the same key.',
        retryAfterSeconds: 1,
      });
    }
    this.held.add(id);
    try {
      return await fn();
    } finally {
      this.held.delete(id);
    }
  }
}

/** The stored answer for the same key: replay it, or refuse a different body. */
export function replayOrConflict(existing: IdempotencyRecord, requestHash: string): { status: number; body: unknown } {
  if (existing.requestHash !== requestHash) {
    throw new BreakwaterError('idempotency_conflict', 'this Idempotency-Key was used with a different request', {
      fix: 'Use a new Idempotency-Key for a different request.',
    });
  }
  return { status: existing.responseStatus, body: JSON.parse(existing.responseBody) as unknown };
}
