import type { Plan } from '../model.ts';
import type { LimitRule } from './limiter.ts';

/** The limits of the defensive edge (DESIGN §5); configurable as a whole by the composition root. */
export interface EdgeLimits {
  /** Every request of a key. */
  key: LimitRule;
  /** Sends and replies of one inbox. */
  inboxSend: LimitRule;
  /** Failed authentications per client address; once empty, unauthenticated calls get 429. */
  authFailures: LimitRule;
  /** Plan quotas per org, in messages. */
  quotas: Record<Plan, { daily: LimitRule | null; monthly: LimitRule | null }>;
  /** Requests doing store work at once in this process; the next gets 503 at once. */
  maxInFlight: number;
  /** Most tokens one send takes from the key bucket (one per recipient). */
  maxSendCost: number;
  /**
   * Replies one inbox may send into one thread: two agents auto-replying to each other (or to an
   * outside auto-responder) empty it within seconds, a conversation between people never does.
   */
  mailLoop: LimitRule;
}

const DAY = 86_400_000;

export const EDGE_DEFAULTS: EdgeLimits = {
  key: { name: 'key', limit: 20, windowMs: 1000, burst: 40 },
  inboxSend: { name: 'inbox-send', limit: 5, windowMs: 1000, burst: 10 },
  authFailures: { name: 'auth-failures', limit: 10, windowMs: 60_000, burst: 10 },
  quotas: {
    free: { daily: { name: 'plan-daily', limit: 100, windowMs: DAY, burst: 100 }, monthly: { name: 'plan-monthly', limit: 3000, windowMs: 30 * DAY, burst: 3000 } },
    pro: { daily: { name: 'plan-daily-pro', limit: 50_000, windowMs: DAY, burst: 50_000 }, monthly: null },
    unlimited: { daily: null, monthly: null },
  },
  maxInFlight: 64,
  maxSendCost: 10,
  mailLoop: { name: 'mail-loop', limit: 10, windowMs: 10 * 60_000, burst: 10 },
};

/** The mail-loop rule for `messages` replies per thread per `windowSeconds`. */
export function mailLoopRule(messages: number, windowSeconds: number): LimitRule {
  return { name: 'mail-loop', limit: messages, windowMs: windowSeconds * 1000, burst: messages };
}

/** How a rule reads in a problem's `rule` field: `key 20/s`, `plan-daily 100/day`. */
export function describeRule(rule: LimitRule): string {
  const per = rule.windowMs === 1000 ? 's' : rule.windowMs === 60_000 ? 'min' : rule.windowMs === DAY ? 'day' : rule.windowMs === 30 * DAY ? '30 days'
    : rule.windowMs % 60_000 === 0 ? `${rule.windowMs / 60_000} min` : rule.windowMs % 1000 === 0 ? `${rule.windowMs / 1000} s` : `${rule.windowMs} ms`;
  return `${rule.name} ${rule.limit}/${per}`;
}
