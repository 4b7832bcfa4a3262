import type { Context } from 'hono';
import type { RequestObservation } from '../core/lanes/telemetry.ts';
import type { Lane } from '../core/model.ts';
import type { RequestLog } from './app-env.ts';

const INBOX_ROUTE = /^[A-Z]+ \/v1\/inboxes\/:id(?:\/|$)/;
const INBOX_ID = /^inb_[0-9A-Za-z]{1,40}$/;
/** Route pattern → is it under /v1/inboxes/:id; bounded by the policy table's size. */
const routesUnderInbox = new Map<string, boolean>();

/**
 * The inbox a request is about, for top talkers. Taken from the path only on routes under
 * `/v1/inboxes/:id` and only for a known key: a refusal before the handler (the key bucket,
 * a loop) still names its inbox, and an anonymous caller cannot plant ids in the summaries.
 */
function inboxOf(log: RequestLog, path: string): string | null {
  if (log.inbox) return log.inbox;
  if (!log.key || !log.route) return null;
  let underInbox = routesUnderInbox.get(log.route);
  if (underInbox === undefined) routesUnderInbox.set(log.route, (underInbox = INBOX_ROUTE.test(log.route)));
  if (!underInbox) return null;
  const id = path.split('/')[3] ?? '';
  return INBOX_ID.test(id) ? id : null;
}

/** One answered request as lane telemetry sees it: lane, route pattern, outcome, ids, latency. */
export function requestObservation(c: Context, log: RequestLog, status: number, ms: number): RequestObservation {
  return {
    lane: (log.lane ?? 'control') as Lane,
    // The policy's pattern, never the raw path: a bounded label (unmatched paths share one).
    route: log.route ?? 'unmatched',
    status,
    // A non-problem error answer (readiness 503) still counts as refused, under its status.
    code: log.code ?? (status >= 400 ? `http_${status}` : null),
    ms,
    org: log.org ?? null,
    key: log.key ?? null,
    inbox: inboxOf(log, c.req.path),
  };
}
