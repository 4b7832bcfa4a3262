/**
 * Stable error codes of the public contract (DESIGN §4). Core services throw `BreakwaterError`
 * for a refusal the caller must see; the HTTP and SMTP layers map each code to their own reply
 * through one table each (src/http/problem.ts, src/runtime/node/smtp-replies.ts).
 */
export type ErrorCode =
  | 'unauthorized'
  | 'forbidden_scope'
  | 'forbidden'
  | 'not_found'
  | 'missing_header'
  | 'invalid_json'
  | 'invalid_header'
  | 'validation_failed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'idempotency_conflict'
  | 'idempotency_in_progress'
  | 'conflict'
  | 'rate_limited'
  | 'loop_detected'
  | 'quarantined'
  | 'outbound_paused'
  | 'outbound_throttled'
  | 'suppressed'
  | 'recipient_blocked'
  | 'quota_exceeded'
  | 'overloaded'
  | 'store_unavailable'
  | 'method_not_allowed'
  | 'internal_error';

export interface ErrorExtras {
  errors?: Array<{ path: string; message: string }>;
  rule?: string;
  fix?: string;
  retryAfterSeconds?: number;
  /** Response fields of the refusal (RateLimit, Retry-After); not part of the body. */
  headers?: Record<string, string>;
  [key: string]: unknown;
}

export class BreakwaterError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extras: ErrorExtras = {},
  ) {
    // A refusal is a value the client sees, not a fault to debug: skip the stack capture,
    // which is most of its cost on the path of a rejected request. `stackTraceLimit` is V8's
    // (Node and workerd alike), typed by @types/node only, hence the cast for the Workers build.
    const v8 = Error as { stackTraceLimit?: number };
    const limit = v8.stackTraceLimit;
    v8.stackTraceLimit = 0;
    super(message);
    v8.stackTraceLimit = limit;
    this.name = 'BreakwaterError';
  }
}

/** Seconds a client is told to wait when the store cannot take work (a full disk, a lost database). */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * The store could not do its work for a reason outside the request: a full disk, a database
 * that is down or unreachable. The adapter throws it (with the driver's error as `cause`) so
 * HTTP answers 503 and SMTP 451 4.3.0 instead of 500, and a job is retried, never failed.
 */
export class StoreUnavailableError extends BreakwaterError {
  constructor(override readonly cause: unknown) {
    super('store_unavailable', 'the store is unavailable (a full disk, or the database out of reach); try again later with the same Idempotency-Key', {
      retryAfterSeconds: STORE_RETRY_AFTER_SECONDS,
    });
    this.name = 'StoreUnavailableError';
  }
}

export const notFound = (what: string) => new BreakwaterError('not_found', `${what} not found`);
