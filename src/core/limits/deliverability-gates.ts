/**
 * The store-backed gates of a send, run after the in-memory buckets so a flood is refused
 * before it reaches the store: suppressed recipients are dropped (all of them: 422), then the
 * warm-up caps are taken (429 `quota_exceeded`).
 */
import type { KeyPrincipal } from '../auth/principal.ts';
import type { Deliverability } from '../deliverability.ts';
import type { Inbox } from '../model.ts';
import { suppressedRecipients } from '../suppressions/suppression-service.ts';
import type { OutboundGuardDeps } from './outbound-guard.ts';
import { takeWarmup, warmupApplies } from './warmup.ts';

/** Returns the suppressed recipients (lower case) the send must drop. */
export async function deliverabilityGates(g: OutboundGuardDeps, d: Deliverability, p: KeyPrincipal, inbox: Inbox, recipients: string[], now: number): Promise<string[]> {
  const suppressed = await suppressedRecipients(d, p.orgId, recipients, now);
  const policy = d.settings.warmup;
  if (policy && warmupApplies(g, policy, p)) {
    const dropped = new Set(suppressed);
    const kept = [...new Set(recipients.map((r) => r.toLowerCase()))].filter((r) => !dropped.has(r));
    const known = await d.store.knownRecipients(inbox.id, kept);
    await takeWarmup(g, policy, p, inbox, kept.filter((r) => !known.has(r)).length, now);
  }
  return suppressed;
}
