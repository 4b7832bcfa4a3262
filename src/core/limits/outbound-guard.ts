import type { KeyPrincipal } from '../auth/principal.ts';
import type { Deliverability } from '../deliverability.ts';
import { assertNotPaused, sendRule, throttled } from '../reputation/send-gates.ts';
import { deliverabilityGates } from './deliverability-gates.ts';
import { BreakwaterError } from '../errors.ts';
import type { Inbox } from '../model.ts';
import type { QuarantineRegistry } from '../quarantine/quarantine.ts';
import type { EdgeLimits } from './defaults.ts';
import type { LimitDecision, LimitRule, Limiter } from './limiter.ts';
import { rateLimited } from './refusal.ts';

/** A limiter that may answer synchronously (the memory adapter) to keep the hot path free of awaits. */
export type EdgeLimiter = Limiter & { takeSync?: (key: string, rule: LimitRule, cost?: number) => LimitDecision };

export function take(limiter: EdgeLimiter, key: string, rule: LimitRule, cost = 1): LimitDecision | Promise<LimitDecision> {
  return limiter.takeSync ? limiter.takeSync(key, rule, cost) : limiter.take(key, rule, cost);
}

export interface OutboundGuardDeps {
  limiter: EdgeLimiter;
  quarantine: QuarantineRegistry;
  limits: EdgeLimits;
}

function quarantined(what: string, reason: string, expiresAt: number | null, now: number): BreakwaterError {
  const retry = expiresAt === null ? undefined : Math.max(1, Math.ceil((expiresAt - now) / 1000));
  return new BreakwaterError('quarantined', `${what} is quarantined on the outbound lane: ${reason}`, {
    rule: `quarantine ${what}`,
    fix: retry ? `Fix the cause; the quarantine ends in ${retry} s.` : 'Ask the operator to release the quarantine.',
    ...(retry ? { retryAfterSeconds: retry } : {}),
  });
}

/**
 * The outbound gates a send passes before anything is written: quarantine of the inbox, its
 * domain and the recipients' domains; the inbox's reputation (paused: 403, throttled: half the
 * send bucket); the inbox's send bucket; then, with deliverability on, the suppression list
 * and the warm-up caps (deliverability-gates.ts); the org's plan quotas. The checks before the
 * suppression list are in memory (or Redis); a refusal costs no store write.
 * Resolves the recipients to drop as suppressed (lower case).
 */
export async function guardSend(g: OutboundGuardDeps, p: KeyPrincipal, inbox: Inbox, recipients: string[], now: number, dlv?: Deliverability): Promise<{ suppressed: string[] }> {
  const q = g.quarantine.check('inbox', inbox.id, 'outbound') ?? g.quarantine.check('domain', inbox.domain, 'outbound');
  if (q) throw quarantined(q.kind === 'inbox' ? `inbox ${inbox.address}` : `domain ${inbox.domain}`, q.reason, q.expiresAt, now);
  for (const rcpt of recipients) {
    const domain = rcpt.slice(rcpt.lastIndexOf('@') + 1).toLowerCase();
    const rq = g.quarantine.check('domain', domain, 'outbound');
    if (rq) throw quarantined(`recipient domain ${domain}`, rq.reason, rq.expiresAt, now);
  }
  const state = dlv?.reputation.stateOf(inbox.id) ?? 'healthy';
  assertNotPaused(state, inbox, dlv?.settings.orgSelfResume ?? false);
  const send = await take(g.limiter, inbox.id, sendRule(state, g.limits.inboxSend), 1);
  if (!send.ok && state === 'throttled') throw throttled(send);
  if (!send.ok) throw rateLimited(send, 'rate_limited', 'Slow this inbox down: wait for Retry-After, or spread sends over more inboxes.');
  const suppressed = dlv ? await deliverabilityGates(g, dlv, p, inbox, recipients, now) : [];
  const quota = g.limits.quotas[p.plan];
  for (const rule of [quota.daily, quota.monthly]) {
    if (!rule) continue;
    const d = await take(g.limiter, p.orgId, rule, 1);
    if (!d.ok) throw rateLimited(d, 'quota_exceeded', `The ${p.plan} plan allows ${rule.limit} messages per window; wait for Retry-After or upgrade the plan.`);
  }
  return { suppressed };
}
