import { BreakwaterError } from '../errors.ts';
import type { ApiKey, Plan } from '../model.ts';

/** Who is calling: the operator (configuration token) or an org's API key. */
export type Principal =
  | { kind: 'operator' }
  | { kind: 'key'; key: ApiKey; orgId: string; plan: Plan };

export type KeyPrincipal = Extract<Principal, { kind: 'key' }>;

/** True when the principal may act on this inbox (the inbox must already belong to its org). */
export function coversInbox(p: KeyPrincipal, inboxId: string): boolean {
  return p.key.scope === 'org' || p.key.inboxIds.includes(inboxId);
}

/** An inbox-scoped key sees other inboxes of its org as absent, as it sees other orgs (DESIGN §4). */
export function assertInbox(p: KeyPrincipal, inboxId: string): void {
  if (!coversInbox(p, inboxId)) throw new BreakwaterError('not_found', 'inbox not found');
}

export function assertOrgScope(p: KeyPrincipal, action: string): void {
  if (p.key.scope !== 'org') {
    throw new BreakwaterError('forbidden_scope', `an inbox-scoped key cannot ${action}`, {
      fix: 'Use a key with the org scope for this call.',
    });
  }
}

/** The inbox ids a key may see, or undefined for all of its org. */
export function visibleInboxIds(p: KeyPrincipal): string[] | undefined {
  return p.key.scope === 'org' ? undefined : p.key.inboxIds;
}
