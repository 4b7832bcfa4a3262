/**
 * Reading the org's event log, as a key may: an org key sees everything, an inbox-scoped key
 * only the events of its inboxes (org-wide events, such as webhook.*, are not about them).
 */
import { assertInbox, visibleInboxIds, type KeyPrincipal } from '../auth/principal.ts';
import type { CoreDeps } from '../context.ts';
import type { EventType, OrgEvent, Page } from '../model.ts';

export interface EventFilter {
  types?: EventType[];
  /** One inbox's events only; must be visible to the key. */
  inboxId?: string;
}

/** The inbox ids to restrict reads to, or undefined for the whole org. Throws 404 for a foreign inbox. */
export function eventScope(p: KeyPrincipal, filter: EventFilter): string[] | undefined {
  if (filter.inboxId) {
    assertInbox(p, filter.inboxId);
    return [filter.inboxId];
  }
  return visibleInboxIds(p);
}

/** Events after `after` (the last id the caller saw), oldest first. */
export function readEvents(deps: CoreDeps, p: KeyPrincipal, after: string | null, limit: number, filter: EventFilter): Promise<Page<OrgEvent>> {
  return deps.store.listEvents(p.orgId, { after, limit, types: filter.types, inboxIds: eventScope(p, filter) });
}
