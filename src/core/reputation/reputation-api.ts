/**
 * Reading an inbox's reputation and resuming a paused one. Resume is the operator's call; an
 * org key may resume its own inboxes only when the operator allows it
 * (BREAKWATER_REPUTATION_SELF_RESUME, default false): a paused inbox burned reputation once,
 * and the org that let it is not the one to judge it is fixed.
 */
import { assertInbox, assertOrgScope, type Principal, type KeyPrincipal } from '../auth/principal.ts';
import type { CoreDeps } from '../context.ts';
import type { Deliverability } from '../deliverability.ts';
import { BreakwaterError, notFound } from '../errors.ts';
import type { LimitRule } from '../limits/limiter.ts';
import type { Inbox } from '../model.ts';
import type { ReputationState } from './machine.ts';
import type { ReputationReport } from './reputation-service.ts';
import { sendRule } from './send-gates.ts';

function deliverability(deps: CoreDeps): Deliverability {
  if (!deps.deliverability) throw new Error('deliverability is not configured');
  return deps.deliverability;
}

/** The state shown on an inbox (`reputation.state`); healthy when deliverability is off. */
export function reputationState(deps: CoreDeps, inboxId: string): ReputationState {
  return deps.deliverability?.reputation.stateOf(inboxId) ?? 'healthy';
}

/** The send bucket the inbox gets in its state; null when paused (nothing may be sent). */
export function outboundLimit(deps: CoreDeps, state: ReputationState): LimitRule | null {
  return state === 'paused' ? null : sendRule(state, deps.edge.limits.inboxSend);
}

export interface InboxReputation {
  inbox: Inbox;
  report: ReputationReport;
  limit: LimitRule | null;
}

export async function getReputation(deps: CoreDeps, p: KeyPrincipal, inboxId: string): Promise<InboxReputation> {
  assertInbox(p, inboxId);
  const inbox = await deps.store.getInbox(p.orgId, inboxId);
  if (!inbox) throw notFound('inbox');
  const report = await deliverability(deps).reputation.report(inbox);
  return { inbox, report, limit: outboundLimit(deps, report.state) };
}

/** Paused → warning (see machine.ts); any other state answers as it is. */
export async function resumeReputation(deps: CoreDeps, p: Principal, inboxId: string): Promise<InboxReputation> {
  const d = deliverability(deps);
  let inbox: Inbox | null;
  if (p.kind === 'operator') {
    const orgId = await deps.store.ownerOrgOf('inbox', inboxId);
    inbox = orgId ? await deps.store.getInbox(orgId, inboxId) : null;
  } else {
    // Scope first: an inbox-scoped key is refused the same whichever inbox it names.
    assertOrgScope(p, 'resume an inbox');
    assertInbox(p, inboxId);
    inbox = await deps.store.getInbox(p.orgId, inboxId);
  }
  if (!inbox) throw notFound('inbox');
  if (p.kind === 'key') {
    if (!d.settings.orgSelfResume && d.reputation.stateOf(inbox.id) === 'paused') {
      throw new BreakwaterError('forbidden', 'only the operator may resume a paused inbox', {
        rule: 'reputation resume: operator only',
        fix: 'Clean the recipient list, then ask the operator to resume it (or to allow self-resume).',
      });
    }
  }
  await d.reputation.resume(inbox, p.kind === 'operator' ? 'operator' : 'org');
  const report = await d.reputation.report(inbox);
  return { inbox, report, limit: outboundLimit(deps, report.state) };
}
