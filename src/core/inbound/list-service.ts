/**
 * Allow and block lists as an org manages them (GET/POST/DELETE /v1/lists). An org-scoped key
 * manages the org-wide entries and every inbox's; an inbox-scoped key only its inboxes' entries.
 * Every change drops the org's cached lists, so it applies to the next SMTP session at once.
 */
import { assertInbox, assertOrgScope, coversInbox, type KeyPrincipal } from '../auth/principal.ts';
import type { CoreDeps } from '../context.ts';
import { BreakwaterError, notFound } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import type { Direction, Inbox, Page } from '../model.ts';
import type { ListRegistry } from './list-registry.ts';
import { normalizePattern, type ListAction, type ListDecision, type ListEntry } from './lists.ts';

/** Entries per org: each org's lists are held in memory by every process. */
export const MAX_LIST_ENTRIES_PER_ORG = 10_000;

export interface CreateListEntryInput {
  inboxId: string | null;
  direction: Direction;
  action: ListAction;
  pattern: string;
  note: string | null;
}

function registry(deps: CoreDeps): ListRegistry {
  if (!deps.lists) throw new Error('lists are not configured in this runtime');
  return deps.lists;
}

async function checkInbox(deps: CoreDeps, p: KeyPrincipal, inboxId: string | null, path: string): Promise<void> {
  if (inboxId === null) return assertOrgScope(p, 'manage org-wide lists');
  assertInbox(p, inboxId);
  if (!isId(inboxId, 'inb') || !(await deps.store.getInbox(p.orgId, inboxId))) {
    throw new BreakwaterError('validation_failed', `inbox ${inboxId} not found`, { errors: [{ path, message: 'unknown inbox' }] });
  }
}

export async function createListEntry(deps: CoreDeps, p: KeyPrincipal, input: CreateListEntryInput): Promise<ListEntry> {
  const lists = registry(deps);
  await checkInbox(deps, p, input.inboxId, 'inbox_id');
  const normalized = normalizePattern(input.pattern);
  if (!normalized) {
    throw new BreakwaterError('validation_failed', 'pattern is neither an address nor a domain', {
      errors: [{ path: 'pattern', message: 'use user@example.com, example.com, or *.example.com for its subdomains' }],
    });
  }
  if ((await lists.store.countEntries(p.orgId)) >= MAX_LIST_ENTRIES_PER_ORG) {
    throw new BreakwaterError('validation_failed', `an org has at most ${MAX_LIST_ENTRIES_PER_ORG} list entries`, {
      errors: [{ path: 'pattern', message: 'list entry limit reached' }], rule: `list-entries ${MAX_LIST_ENTRIES_PER_ORG}/org`,
      fix: 'Replace many addresses of one domain with a domain or *. entry, or delete entries you no longer need.',
    });
  }
  const now = deps.clock();
  const entry: ListEntry = {
    id: newId('lst', now), orgId: p.orgId, inboxId: input.inboxId, direction: input.direction, action: input.action,
    pattern: normalized.pattern, note: input.note, createdAt: now,
  };
  const res = await lists.store.insertEntry(entry);
  if (!res.ok) {
    throw new BreakwaterError('conflict', `${res.existing.direction} ${res.existing.action} ${res.existing.pattern} already exists in this scope as ${res.existing.id}`, {
      existing_id: res.existing.id,
      fix: `To change its action, DELETE /v1/lists/${res.existing.id} and create the entry again.`,
    });
  }
  lists.invalidate(p.orgId);
  return entry;
}

export interface ListQuery {
  inboxId?: string;
  /** Only org-wide entries. */
  orgOnly?: boolean;
  direction?: Direction;
  cursor: string | null;
  limit: number;
}

export async function listListEntries(deps: CoreDeps, p: KeyPrincipal, q: ListQuery): Promise<Page<ListEntry>> {
  const store = registry(deps).store;
  if (q.orgOnly) assertOrgScope(p, 'read org-wide lists');
  if (q.inboxId) {
    assertInbox(p, q.inboxId);
    // Another org's inbox is absent (404), as in threads and events, not an empty page.
    if (!(await deps.store.getInbox(p.orgId, q.inboxId))) throw notFound('inbox');
  }
  const inboxIds = p.key.scope === 'org' ? undefined : p.key.inboxIds;
  return store.pageEntries(p.orgId, {
    cursor: q.cursor, limit: q.limit, direction: q.direction, inboxIds: q.inboxId ? [q.inboxId] : inboxIds,
    scope: q.orgOnly ? 'org' : undefined,
  });
}

/** An inbox-scoped key sees only its inboxes' entries; the rest answer 404, as other orgs' do. */
function visible(p: KeyPrincipal, e: ListEntry | null): e is ListEntry {
  if (!e) return false;
  return e.inboxId === null ? p.key.scope === 'org' : coversInbox(p, e.inboxId);
}

export async function getListEntry(deps: CoreDeps, p: KeyPrincipal, id: string): Promise<ListEntry> {
  const e = isId(id, 'lst') ? await registry(deps).store.getEntry(p.orgId, id) : null;
  if (!visible(p, e)) throw notFound('list entry');
  return e;
}

export async function deleteListEntry(deps: CoreDeps, p: KeyPrincipal, id: string): Promise<ListEntry> {
  const lists = registry(deps);
  await getListEntry(deps, p, id);
  const removed = await lists.store.deleteEntry(p.orgId, id);
  if (!removed) throw notFound('list entry');
  lists.invalidate(p.orgId);
  return removed;
}

/** What the lists decide for `address` and one inbox: the answer SMTP and sends would get. */
export async function checkListAddress(deps: CoreDeps, p: KeyPrincipal, inboxId: string, direction: Direction, address: string): Promise<ListDecision> {
  assertInbox(p, inboxId);
  if (!(await deps.store.getInbox(p.orgId, inboxId))) throw notFound('inbox');
  return registry(deps).decide(p.orgId, inboxId, direction, address);
}

/**
 * The outbound lists gate of a send: a recipient the inbox may not mail refuses the whole send
 * (403 `recipient_blocked`), naming the entry. Refusing, not dropping, because a list is a
 * policy the agent must learn about now, not find later as a silent gap in its recipients.
 */
export async function assertRecipientsAllowed(deps: CoreDeps, inbox: Inbox, recipients: string[]): Promise<void> {
  if (!deps.lists) return;
  const index = await deps.lists.index(inbox.orgId);
  for (const rcpt of recipients) {
    const d = index.decide(inbox.id, 'outbound', rcpt);
    if (d.allowed) continue;
    throw new BreakwaterError('recipient_blocked', `${inbox.address} may not send to ${rcpt}: ${d.rule}`, {
      rule: d.rule,
      fix: d.entry
        ? `Remove ${rcpt} from the recipients, or delete list entry ${d.entry.id} (DELETE /v1/lists/${d.entry.id}) if the block is wrong.`
        : `Remove ${rcpt} from the recipients, or add an outbound allow entry for it (POST /v1/lists).`,
    });
  }
}
