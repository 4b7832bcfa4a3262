import { assertInbox, assertOrgScope, visibleInboxIds, type KeyPrincipal } from '../auth/principal.ts';
import type { CoreDeps } from '../context.ts';
import { randomToken } from '../crypto.ts';
import { BreakwaterError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Inbox, Page, Plan } from '../model.ts';

/** Inboxes per org by plan (DESIGN §5: the free plan has 3); null is no cap. */
export const PLAN_INBOXES: Record<Plan, number | null> = { free: 3, pro: 1000, unlimited: null };

export interface CreateInboxInput {
  username?: string;
  domain?: string;
  displayName?: string | null;
}

/** The default domain, or a domain an org verified (an in-memory lookup: SMTP asks it per RCPT). */
export function isHostedDomain(deps: CoreDeps, domain: string): boolean {
  if (deps.deliverability) return deps.deliverability.domains.isHosted(domain);
  return domain.toLowerCase() === deps.settings.defaultDomain.toLowerCase();
}

/** Local parts the MX keeps for bounces and reports (RFC 5321 §4.5.1, RFC 2142, VERP): never inboxes. */
export function isReservedUsername(username: string): boolean {
  return username === 'postmaster' || username === 'abuse' || username.startsWith('bounces+');
}

export async function createInbox(deps: CoreDeps, p: KeyPrincipal, input: CreateInboxInput): Promise<Inbox> {
  assertOrgScope(p, 'create inboxes');
  const cap = PLAN_INBOXES[p.plan];
  if (cap !== null && (await deps.store.countInboxes(p.orgId)) >= cap) {
    throw new BreakwaterError('quota_exceeded', `the ${p.plan} plan allows ${cap} inboxes`, {
      rule: `plan-inboxes ${cap}`,
      'violated-policies': ['plan-inboxes'],
      fix: 'Delete an inbox you no longer use, or move the org to a larger plan.',
    });
  }
  const domain = (input.domain ?? deps.settings.defaultDomain).toLowerCase();
  const usable = deps.deliverability ? deps.deliverability.domains.usableBy(domain, p.orgId) : isHostedDomain(deps, domain);
  if (!usable) {
    throw new BreakwaterError('validation_failed', `domain ${domain} is not a domain of this org`, {
      errors: [{ path: 'domain', message: 'not a hosted domain' }],
      fix: 'Omit domain to use the default one, or add and verify the domain first.',
    });
  }
  const username = (input.username ?? `agent-${randomToken(6).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`).toLowerCase();
  if (isReservedUsername(username)) {
    throw new BreakwaterError('validation_failed', `${username} is reserved for bounces and reports`, {
      errors: [{ path: 'username', message: 'reserved: postmaster, abuse and bounces+… receive reports' }],
      fix: 'Choose another username.',
    });
  }
  const now = deps.clock();
  const inbox: Inbox = {
    id: newId('inb', now), orgId: p.orgId, username, domain, address: `${username}@${domain}`,
    displayName: input.displayName ?? null, createdAt: now,
  };
  if (!(await deps.store.insertInbox(inbox))) {
    throw new BreakwaterError('conflict', `${inbox.address} is taken`, { fix: 'Choose another username.' });
  }
  return inbox;
}

export async function getInbox(deps: CoreDeps, p: KeyPrincipal, id: string): Promise<Inbox> {
  assertInbox(p, id);
  const inbox = await deps.store.getInbox(p.orgId, id);
  if (!inbox) throw notFound('inbox');
  return inbox;
}

export function listInboxes(deps: CoreDeps, p: KeyPrincipal, cursor: string | null, limit: number): Promise<Page<Inbox>> {
  return deps.store.listInboxes(p.orgId, { cursor, limit, ids: visibleInboxIds(p) });
}

export async function updateInbox(deps: CoreDeps, p: KeyPrincipal, id: string, patch: { displayName?: string | null }): Promise<Inbox> {
  assertInbox(p, id);
  const inbox = await deps.store.updateInbox(p.orgId, id, patch);
  if (!inbox) throw notFound('inbox');
  return inbox;
}

export async function deleteInbox(deps: CoreDeps, p: KeyPrincipal, id: string): Promise<void> {
  assertOrgScope(p, 'delete inboxes');
  if (!(await deps.store.deleteInbox(p.orgId, id))) throw notFound('inbox');
}
