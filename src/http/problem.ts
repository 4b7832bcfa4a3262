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
  store_unavailable: { status: 503, title: 'Store unavailable' },
  internal_error: { status: 500, title: 'Internal error' },
};

export function statusOf(code: ErrorCode): number {
  return PROBLEMS[code].status;
}

/** An RFC 9457 problem+json response. `extras` never carries internals (no stack traces). */
export function problemResponse(code: ErrorCode, detail: string, requestId: string, extras: ErrorExtras = {}, headers: Record<string, string> = {}): Response {
  const p = problemParts(code, detail, requestId, extras, headers);
  return new Response(JSON.stringify(p.body), { status: p.status, headers: p.headers });
}

function problemParts(code: ErrorCode, detail: string, requestId: string, extras: ErrorExtras, headers: Record<string, string>) {
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
  return { status: p.status, body, headers: h };
}

/**
 * One refusal preformatted: the body as the text around its request id, the fields as strings.
 * A storm repeats the same refusal thousands of times a second; this answers each with two
 * string joins instead of building, spreading and serialising the problem again.
 */
export interface ProblemTemplate {
  status: number;
  /** The response for one request id (ids are `req_` and base64url: nothing to escape). */
  respond(requestId: string): Response;
}

/** Stands for the request id while the template is serialised; no real id contains a NUL. */
const ID_MARK = '\u0000request-id\u0000';

/** The template of `problemResponse(code, detail, <id>, extras, headers)`, byte for byte. */
export function problemTemplate(code: ErrorCode, detail: string, extras: ErrorExtras = {}, headers: Record<string, string> = {}): ProblemTemplate {
  const p = problemParts(code, detail, ID_MARK, extras, headers);
  const json = JSON.stringify(p.body);
  const mark = JSON.stringify(ID_MARK);
  const at = json.indexOf(mark);
  const before = `${json.slice(0, at)}"`;
  const after = `"${json.slice(at + mark.length)}`;
  const names = Object.keys(p.headers).filter((n) => n !== 'x-request-id');
  const values = names.map((n) => p.headers[n]!);
  const status = p.status;
  return {
    status,
    respond(requestId) {
      // A plain object of fixed fields: @hono/node-server writes it without building a Headers.
      const h: Record<string, string> = { 'x-request-id': requestId };
      for (let i = 0; i < names.length; i++) h[names[i]!] = values[i]!;
      return new Response(before + requestId + after, { status, headers: h });
    },
  };
}
