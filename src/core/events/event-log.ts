/**
 * Reading the org's event log, as a key may: an org key sees everything, an inbox-scoped key
 * only the events of its inboxes (org-wide events, such as webhook.*, are not about them).
 */
import { assertInbox, visibleInboxIds, type KeyPrincipal } from '../auth/principal.ts';
import type { CoreDeps } from '../context.ts';
import { notFound } from '../errors.ts';
import type { EventType, OrgEvent, Page } from '../model.ts';

export interface EventFilter {
  types?: EventType[];
  /** One inbox's events only; must be visible to the key. */
  inboxId?: string;
}

/**
 * The inbox ids to restrict reads to, or undefined for the whole org. Throws 404 for an inbox
 * the key may not see or its org does not have: another org's inbox is absent, not an empty log.
 */
export async function eventScope(deps: Pick<CoreDeps, 'store'>, p: KeyPrincipal, filter: EventFilter): Promise<string[] | undefined> {
  if (filter.inboxId) {
    assertInbox(p, filter.inboxId);
    if (!(await deps.store.getInbox(p.orgId, filter.inboxId))) throw notFound('inbox');
    return [filter.inboxId];
  }
  return visibleInboxIds(p);
}

/** Events after `after` (the last id the caller saw), oldest first. */
export async function readEvents(deps: CoreDeps, p: KeyPrincipal, after: string | null, limit: number, filter: EventFilter): Promise<Page<OrgEvent>> {
  return deps.store.listEvents(p.orgId, { after, limit, types: filter.types, inboxIds: await eventScope(deps, p, filter) });
}
