/**
 * The org's suppression list: automatic entries from hard bounces and complaints, manual ones
 * from the API. A send drops suppressed recipients; if none is left it is refused (422).
 */
import { assertOrgScope, type KeyPrincipal } from '../auth/principal.ts';
import type { CoreDeps } from '../context.ts';
import type { Deliverability } from '../deliverability.ts';
import { BreakwaterError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Page } from '../model.ts';
import type { Suppression, SuppressionReason } from './suppression.ts';

function deliverability(deps: CoreDeps): Deliverability {
  if (!deps.deliverability) throw new Error('deliverability is not configured');
  return deps.deliverability;
}

export function listSuppressions(deps: CoreDeps, p: KeyPrincipal, cursor: string | null, limit: number): Promise<Page<Suppression>> {
  return deliverability(deps).store.listSuppressions(p.orgId, { cursor, limit, now: deps.clock() });
}

export interface AddSuppressionInput {
  address: string;
  reason: SuppressionReason;
  /** null: until removed. */
  ttlSeconds: number | null;
}

export async function addSuppression(deps: CoreDeps, p: KeyPrincipal, input: AddSuppressionInput): Promise<Suppression> {
  assertOrgScope(p, 'change the suppression list');
  const now = deps.clock();
  const entry: Suppression = {
    id: newId('sup', now), orgId: p.orgId, address: input.address.toLowerCase(), reason: input.reason, source: 'api',
    messageId: null, createdAt: now, expiresAt: input.ttlSeconds === null ? null : now + input.ttlSeconds * 1000,
  };
  await deliverability(deps).store.putSuppression(entry);
  return entry;
}

export async function removeSuppression(deps: CoreDeps, p: KeyPrincipal, address: string): Promise<void> {
  assertOrgScope(p, 'change the suppression list');
  if (!(await deliverability(deps).store.deleteSuppression(p.orgId, address.toLowerCase()))) throw notFound('suppression');
}

/** An automatic entry (hard bounce, complaint): never expires on its own. */
export async function suppressAuto(d: Deliverability, orgId: string, address: string, reason: 'hard_bounce' | 'complaint', messageId: string, now: number): Promise<void> {
  await d.store.putSuppression({
    id: newId('sup', now), orgId, address: address.toLowerCase(), reason, source: 'auto', messageId, createdAt: now, expiresAt: null,
  });
}

/**
 * The suppressed recipients of a send, lower case. Throws 422 `suppressed` when that is all of
 * them: nothing is written, nothing is spent but the rate token already taken.
 */
export async function suppressedRecipients(d: Deliverability, orgId: string, recipients: string[], now: number): Promise<string[]> {
  const unique = [...new Set(recipients.map((r) => r.toLowerCase()))];
  const hit = await d.store.suppressedAmong(orgId, unique, now);
  if (hit.size === 0) return [];
  // In the order the send named them, so the message's note reads like its recipient list.
  const list = unique.filter((r) => hit.has(r));
  if (list.length === unique.length) {
    throw new BreakwaterError('suppressed', `every recipient is on the org's suppression list: ${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}`, {
      rule: 'suppression list',
      fix: 'Remove these recipients, or DELETE /v1/suppressions/{address} if the address works again.',
      suppressed: list,
    });
  }
  return list;
}

/** Recipient lists without the suppressed addresses (compared case-insensitively). */
export function withoutSuppressed<T extends { to: string[]; cc: string[]; bcc: string[] }>(input: T, suppressed: string[]): T {
  if (suppressed.length === 0) return input;
  const drop = new Set(suppressed);
  const keep = (list: string[]) => list.filter((a) => !drop.has(a.toLowerCase()));
  return { ...input, to: keep(input.to), cc: keep(input.cc), bcc: keep(input.bcc) };
}

/** The message's status_reason when recipients were dropped; null when none was. */
export function suppressedNote(suppressed: string[]): string | null {
  if (suppressed.length === 0) return null;
  const shown = suppressed.slice(0, 10).join(', ');
  return `${suppressed.length} suppressed recipient${suppressed.length > 1 ? 's' : ''} dropped: ${shown}${suppressed.length > 10 ? ', …' : ''}`;
}
