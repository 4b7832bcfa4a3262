import type { KeyPrincipal } from '../../core/auth/principal.ts';
import { BreakwaterError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { rateLimitHeaders } from '../../core/limits/headers.ts';
import type { LimitDecision } from '../../core/limits/limiter.ts';
import { take } from '../../core/limits/outbound-guard.ts';
import { rateLimited } from '../../core/limits/refusal.ts';
import { fingerprint } from '../../core/loops/fingerprint.ts';
import type { Lane } from '../../core/model.ts';
import type { AppDeps } from '../app-deps.ts';
import type { RoutePolicy } from '../policy.ts';

/** The key bucket's state after this request's take: its RateLimit fields go on every answer. */
export interface Spent {
  decision: LimitDecision;
  headers: Record<string, string>;
}

/** What a refused key is told to do (DESIGN §4 `fix`). */
export const KEY_FIX = 'Back off: wait for Retry-After before the next request, and retry with exponential back-off.';

/** Takes `cost` tokens of the key's bucket without an await; undefined when the limiter cannot (Redis). */
export function takeKeySync(deps: AppDeps, keyId: string, cost: number): LimitDecision | undefined {
  const rule = deps.edge.limits.key;
  return deps.edge.limiter.takeSync?.(keyId, rule, Math.min(cost, rule.burst));
}

/** An allowed take of the key bucket, with the RateLimit fields every answer carries. */
export function spentOf(d: LimitDecision): Spent {
  return { decision: d, headers: rateLimitHeaders(d.rule.name, d) as unknown as Record<string, string> };
}

/** Takes `cost` tokens of the key's bucket; an empty bucket is a 429 with the draft's fields. */
export async function spendKey(deps: AppDeps, keyId: string, cost: number): Promise<Spent> {
  const rule = deps.edge.limits.key;
  const d = await take(deps.edge.limiter, keyId, rule, Math.min(cost, rule.burst));
  if (!d.ok) throw rateLimited(d, 'rate_limited', KEY_FIX);
  return spentOf(d);
}

/** A quarantined key is refused on the quarantined lane; control calls only when both lanes are. */
export function checkQuarantine(deps: AppDeps, p: KeyPrincipal, lane: Lane): void {
  const q = deps.edge.quarantine.check('key', p.key.id, lane);
  if (!q) return;
  const now = deps.clock();
  const retry = q.expiresAt === null ? undefined : Math.max(1, Math.ceil((q.expiresAt - now) / 1000));
  throw new BreakwaterError('quarantined', `this key is quarantined on the ${q.lane} lane: ${q.reason}`, {
    rule: `quarantine key ${q.lane}`,
    fix: retry ? `Stop the loop that caused it; the quarantine ends in ${retry} s.` : 'Ask the operator to release the quarantine.',
    quarantine_id: q.id,
    ...(retry ? { retryAfterSeconds: retry } : {}),
  });
}

/**
 * Loop detection: the same (key, method, path, canonical body) more than 3 times in 10 s is
 * refused; 5 refusals in a minute quarantine the key's outbound lane, longer each time.
 */
export async function checkLoop(deps: AppDeps, p: KeyPrincipal, policy: RoutePolicy, path: string, body: unknown): Promise<void> {
  const fp = fingerprint({ keyId: p.key.id, method: policy.method, path, body });
  const hit = deps.edge.loops.hitSync ? deps.edge.loops.hitSync(fp) : await deps.edge.loops.hit(fp);
  if (!hit.loop) return;
  const strike = await deps.edge.strikes.strike(p.key.id);
  if (strike.quarantineMs !== null) {
    const now = deps.clock();
    const entry = {
      id: newId('qrn', now), kind: 'key' as const, target: p.key.id, lane: 'outbound' as const,
      reason: `loop detected ${strike.strikes} times within a minute`, source: 'auto' as const, orgId: p.orgId,
      createdAt: now, expiresAt: now + strike.quarantineMs,
    };
    await deps.edge.quarantine.add(entry);
    deps.logger.warn({ lane: 'outbound', key: p.key.id, org: p.orgId, quarantine: entry.id, ms: strike.quarantineMs }, 'key quarantined for looping');
    deps.edge.onQuarantine?.(entry, 'added');
  }
  throw new BreakwaterError('loop_detected', `the same request was repeated ${hit.count} times within 10 s`, {
    rule: 'loop 3/10s',
    fix: 'Stop retrying the identical request: check the previous answer, and change the request or back off.',
    'violated-policies': ['loop'],
    retryAfterSeconds: 10,
  });
}
