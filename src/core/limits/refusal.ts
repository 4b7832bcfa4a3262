import { BreakwaterError } from '../errors.ts';
import { describeRule } from './defaults.ts';
import { rateLimitHeaders } from './headers.ts';
import type { LimitDecision } from './limiter.ts';

/** The 429 for an empty bucket: names the rule, says when to retry and how to avoid it. */
export function rateLimited(decision: LimitDecision, code: 'rate_limited' | 'quota_exceeded' | 'loop_detected', fix: string): BreakwaterError {
  const rule = describeRule(decision.rule);
  const headers = rateLimitHeaders(decision.rule.name, decision) as unknown as Record<string, string>;
  const retry = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  return new BreakwaterError(code, `${rule} exceeded; retry in ${retry} s`, {
    rule,
    fix,
    'violated-policies': [decision.rule.name],
    retry_after_seconds: retry,
    headers,
  });
}
