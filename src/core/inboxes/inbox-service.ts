import { assertInbox, assertOrgScope, visibleInboxIds, type KeyPrincipal } from '../auth/principal.ts';
import type { CoreDeps } from '../context.ts';
import { randomToken } from '../crypto.ts';
import { BreakwaterError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Inbox, Page } from '../model.ts';

export interface CreateInboxInput {
  username?: string;
  domain?: string;
  displayName?: string | null;
}

/** Hosted domains an inbox may live on. Custom verified domains join this list later. */
export function isHostedDomain(deps: CoreDeps, domain: string): boolean {
  return domain.toLowerCase() === deps.settings.defaultDomain.toLowerCase();
}

export async function createInbox(deps: CoreDeps, p: KeyPrincipal, input: CreateInboxInput): Promise<Inbox> {
  assertOrgScope(p, 'create inboxes');
  const domain = (input.domain ?? deps.settings.defaultDomain).toLowerCase();
  if (!isHostedDomain(deps, domain)) {
    throw new BreakwaterError('validation_failed', `domain ${domain} is not a domain of this org`, {
      errors: [{ path: 'domain', message: 'not a hosted domain' }],
      fix: 'Omit domain to use the default one, or add and verify the domain first.',
    });
  }
  const username = (input.username ?? `agent-${randomToken(6).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`).toLowerCase();
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
