import type { ErrorCode, ErrorExtras } from '../core/errors.ts';

const RATELIMIT_TYPES = 'https://iana.org/assignments/http-problem-types';

/** Each error code's HTTP status, title and problem type (RFC 9457), in one table. */
export const PROBLEMS: Record<ErrorCode, { status: number; title: string; type?: string }> = {
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden_scope: { status: 403, title: 'Forbidden by key scope' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  missing_header: { status: 400, title: 'Missing header' },
  invalid_header: { status: 400, title: 'Invalid header' },
  invalid_json: { status: 400, title: 'Invalid JSON' },
  validation_failed: { status: 422, title: 'Validation failed' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  idempotency_conflict: { status: 422, title: 'Idempotency key reused with a different request' },
  idempotency_in_progress: { status: 409, title: 'Idempotent request in progress' },
  conflict: { status: 409, title: 'Conflict' },
  rate_limited: { status: 429, title: 'Rate limited', type: `${RATELIMIT_TYPES}#quota-exceeded` },
  loop_detected: { status: 429, title: 'Loop detected', type: `${RATELIMIT_TYPES}#abnormal-usage-detected` },
  quarantined: { status: 403, title: 'Quarantined' },
  outbound_paused: { status: 403, title: 'Outbound lane paused' },
  outbound_throttled: { status: 429, title: 'Outbound lane throttled' },
  suppressed: { status: 422, title: 'All recipients suppressed' },
  recipient_blocked: { status: 403, title: 'Recipient blocked by a list' },
  quota_exceeded: { status: 429, title: 'Quota exceeded', type: `${RATELIMIT_TYPES}#quota-exceeded` },
  overloaded: { status: 503, title: 'Overloaded', type: `${RATELIMIT_TYPES}#temporary-reduced-capacity` },
  internal_error: { status: 500, title: 'Internal error' },
};

export function statusOf(code: ErrorCode): number {
  return PROBLEMS[code].status;
}

/** An RFC 9457 problem+json response. `extras` never carries internals (no stack traces). */
export function problemResponse(code: ErrorCode, detail: string, requestId: string, extras: ErrorExtras = {}, headers: Record<string, string> = {}): Response {
  const p = PROBLEMS[code];
  const { retryAfterSeconds, headers: extraHeaders, ...rest } = extras;
  const body = {
    type: p.type ?? `https://breakwater.dev/problems/${code.replace(/_/g, '-')}`,
    title: p.title,
    status: p.status,
    detail,
    code,
    request_id: requestId,
    ...rest,
  };
  const h: Record<string, string> = { 'content-type': 'application/problem+json', 'x-request-id': requestId, ...extraHeaders, ...headers };
  if (retryAfterSeconds !== undefined && !('retry-after' in h)) h['retry-after'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  return new Response(JSON.stringify(body), { status: p.status, headers: h });
}
