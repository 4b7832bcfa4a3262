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

export const notFound = (what: string) => new BreakwaterError('not_found', `${what} not found`);
