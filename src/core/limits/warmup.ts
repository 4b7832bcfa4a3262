/**
 * Warm-up (DESIGN §5): a new inbox may send 100 messages its first day, 200 its second, 400
 * its third…, doubling until it reaches the plan's daily cap, and mail 50 new recipients (never
 * mailed by it before) its first day, doubling daily the same way. Receivers judge a new
 * sender by its first volume: a slow start is what keeps the domain's reputation.
 *
 * Days are counted from the inbox's creation. Both caps are token buckets keyed by inbox and
 * cap (`inb_…:200`), like the plan quotas: a day's tier starts with a full bucket of its cap
 * and refills at the cap per day. A plan without a daily cap (unlimited) has nothing to warm
 * up to, so warm-up does not apply to it; neither does it once the cap reaches the plan's.
 */
import type { KeyPrincipal } from '../auth/principal.ts';
import type { Inbox } from '../model.ts';
import type { LimitRule } from './limiter.ts';
import type { OutboundGuardDeps } from './outbound-guard.ts';
import { take } from './outbound-guard.ts';
import { rateLimited } from './refusal.ts';

export interface WarmupPolicy {
  /** Messages an inbox may send on its first day. */
  inboxFirstDay: number;
  /** New recipients an inbox may mail on its first day. */
  recipientsFirstDay: number;
}

export const WARMUP_DEFAULTS: WarmupPolicy = { inboxFirstDay: 100, recipientsFirstDay: 50 };

const DAY = 86_400_000;
// 2^20 doublings is far past any plan cap; it keeps the arithmetic finite for old inboxes.
const MAX_DOUBLINGS = 20;

/** The cap on `day` (0-based) starting from `first`, or null when it reached the plan's cap. */
export function warmupCap(first: number, day: number, planDaily: number | null): number | null {
  if (planDaily === null) return null;
  const cap = first * 2 ** Math.min(Math.max(0, day), MAX_DOUBLINGS);
  return cap >= planDaily ? null : cap;
}

/** Whole days since the inbox was created. */
export function inboxAgeDays(inbox: Inbox, now: number): number {
  return Math.max(0, Math.floor((now - inbox.createdAt) / DAY));
}

const rule = (name: string, cap: number): LimitRule => ({ name, limit: cap, windowMs: DAY, burst: cap });

/** Does warm-up apply to this send at all? (Callers skip the recipient lookup when not.) */
export function warmupApplies(g: OutboundGuardDeps, policy: WarmupPolicy | null, p: KeyPrincipal): boolean {
  const planDaily = g.limits.quotas[p.plan].daily?.limit ?? null;
  return policy !== null && planDaily !== null && Math.min(policy.inboxFirstDay, policy.recipientsFirstDay) < planDaily;
}

/**
 * Takes one message from the inbox's warm-up bucket and `newRecipients` from its new-recipient
 * bucket. Throws 429 `quota_exceeded` naming the rule and its window.
 */
export async function takeWarmup(g: OutboundGuardDeps, policy: WarmupPolicy, p: KeyPrincipal, inbox: Inbox, newRecipients: number, now: number): Promise<void> {
  const planDaily = g.limits.quotas[p.plan].daily?.limit ?? null;
  const day = inboxAgeDays(inbox, now);
  const inboxCap = warmupCap(policy.inboxFirstDay, day, planDaily);
  if (inboxCap !== null) {
    const d = await take(g.limiter, `${inbox.id}:${inboxCap}`, rule('warmup-inbox', inboxCap), 1);
    if (!d.ok) throw rateLimited(d, 'quota_exceeded', `This inbox is warming up (day ${day + 1}: ${inboxCap} messages); the cap doubles daily. Wait for Retry-After or spread sends over older inboxes.`);
  }
  const rcptCap = warmupCap(policy.recipientsFirstDay, day, planDaily);
  if (rcptCap !== null && newRecipients > 0) {
    const d = await take(g.limiter, `${inbox.id}:${rcptCap}`, rule('warmup-new-recipients', rcptCap), newRecipients);
    if (!d.ok) throw rateLimited(d, 'quota_exceeded', `This inbox is warming up (day ${day + 1}: ${rcptCap} new recipients); write to recipients it has mailed before, or wait for Retry-After.`);
  }
}
