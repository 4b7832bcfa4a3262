/**
 * What reputation does to a send (DESIGN §5): paused refuses it (403 `outbound_paused`),
 * throttled halves the inbox's send bucket (429 `outbound_throttled` when empty). Answers
 * from memory: the state is cached in the reputation service.
 */
import { BreakwaterError } from '../errors.ts';
import { describeRule } from '../limits/defaults.ts';
import { rateLimitHeaders } from '../limits/headers.ts';
import type { LimitDecision, LimitRule } from '../limits/limiter.ts';
import type { Inbox } from '../model.ts';
import type { ReputationState } from './machine.ts';

/** Throws 403 `outbound_paused` for a paused inbox; its inbound lane is untouched. */
export function assertNotPaused(state: ReputationState, inbox: Inbox, selfResume: boolean): void {
  if (state !== 'paused') return;
  throw new BreakwaterError('outbound_paused', `outbound mail of ${inbox.address} is paused: its bounce or complaint rate is too high`, {
    rule: 'reputation paused',
    fix: selfResume
      ? `Clean the recipient list (GET /v1/inboxes/${inbox.id}/reputation, GET /v1/suppressions), then POST /v1/inboxes/${inbox.id}/reputation/resume.`
      : `Clean the recipient list (GET /v1/inboxes/${inbox.id}/reputation, GET /v1/suppressions), then ask the operator to resume the inbox.`,
  });
}

/**
 * The send bucket for an inbox in `state`: throttled gets a rule of its own, at half the rate
 * and burst. A rule name of its own, because buckets are keyed by rule name: the throttled
 * bucket starts full and the normal one is untouched for when the inbox recovers.
 */
export function sendRule(state: ReputationState, base: LimitRule): LimitRule {
  if (state !== 'throttled') return base;
  return { name: `${base.name}-throttled`, limit: Math.max(1, Math.floor(base.limit / 2)), windowMs: base.windowMs, burst: Math.max(1, Math.floor(base.burst / 2)) };
}

/** The 429 of an empty throttled bucket, with the rate-limit fields of any other bucket. */
export function throttled(decision: LimitDecision): BreakwaterError {
  const rule = describeRule(decision.rule);
  const retry = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  return new BreakwaterError('outbound_throttled', `${rule} exceeded: this inbox is throttled for its bounce or complaint rate; retry in ${retry} s`, {
    rule,
    fix: 'Send less from this inbox and only to addresses that exist; the limit comes back after a run of clean sends.',
    'violated-policies': [decision.rule.name],
    retry_after_seconds: retry,
    headers: rateLimitHeaders(decision.rule.name, decision) as unknown as Record<string, string>,
  });
}
