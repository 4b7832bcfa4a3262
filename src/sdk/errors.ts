/** The SDK's errors: an API refusal carries its RFC 9457 problem, fields named as the API names them. */

/** The problem+json body of every API error (DESIGN §4 "Errors"). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  request_id: string;
  errors?: Array<{ path: string; message: string }>;
  rule?: string;
  fix?: string;
  [member: string]: unknown;
}

/**
 * Codes beyond the API's own (src/http/problem.ts): the SDK's, for answers that never came
 * (`connection_failed`, `timeout`) or were not a problem document (`unexpected_response`).
 */
export type ClientErrorCode = 'connection_failed' | 'timeout' | 'unexpected_response';

/**
 * A refusal or failure of one API call, after the SDK's own retries. `code` is the API's stable
 * snake_case code (`rate_limited`, `validation_failed`, …) or a {@link ClientErrorCode}; switch on
 * it, not on the message. `rule` names the limit or policy that fired and `fix` says what to do.
 */
export class BreakwaterError extends Error {
  /** HTTP status; 0 when no answer arrived. */
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly rule?: string;
  readonly fix?: string;
  /** The server's `request_id` (X-Request-Id): quote it when asking for help. */
  readonly requestId?: string;
  /** Validation failures: which field and why. */
  readonly errors?: Array<{ path: string; message: string }>;
  /** When the server said to come back (Retry-After), in milliseconds. */
  readonly retryAfterMs?: number;
  /** The whole problem document, extension members included. */
  readonly problem?: Problem;
  /** Attempts made, the first included. */
  readonly attempts: number;

  constructor(init: {
    status: number; code: string; detail: string; problem?: Problem; requestId?: string; retryAfterMs?: number; attempts?: number; cause?: unknown;
  }) {
    const p = init.problem;
    super(p?.fix ? `${init.detail} (${init.code}): ${p.fix}` : `${init.detail} (${init.code})`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'BreakwaterError';
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.rule = p?.rule;
    this.fix = p?.fix;
    this.requestId = p?.request_id ?? init.requestId;
    this.errors = p?.errors;
    this.retryAfterMs = init.retryAfterMs;
    this.problem = p;
    this.attempts = init.attempts ?? 1;
  }
}

/** Why a webhook did not verify (Standard Webhooks); the request must be refused. */
export type WebhookFailure = 'missing_headers' | 'invalid_timestamp' | 'timestamp_too_old' | 'timestamp_too_new' | 'no_matching_signature' | 'invalid_body';

/** Thrown by `verifyWebhook` when a delivery is not genuinely ours or is too old to trust. */
export class WebhookVerificationError extends Error {
  constructor(readonly reason: WebhookFailure) {
    super(`webhook verification failed: ${reason}`);
    this.name = 'WebhookVerificationError';
  }
}

/** True for a parsed RFC 9457 document with our `code` member. */
export function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && typeof (value as Problem).code === 'string' && typeof (value as Problem).status === 'number';
}
