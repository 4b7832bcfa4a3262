import { assertOrgScope, type Principal } from '../auth/principal.ts';
import type { CoreDeps } from '../context.ts';
import { BreakwaterError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import type { QuarantineEntry, QuarantineKind, QuarantineLane, QuarantineRegistry } from './quarantine.ts';

export interface QuarantineDeps {
  deps: Pick<CoreDeps, 'store' | 'clock'>;
  registry: QuarantineRegistry;
  onChange?: (entry: QuarantineEntry, change: 'added' | 'removed') => void;
}

export interface AddQuarantineInput {
  kind: QuarantineKind;
  target: string;
  lane: QuarantineLane;
  reason: string;
  ttlSeconds: number | null;
}

/**
 * The operator may quarantine anything; an org key only its own keys and inboxes (DESIGN §4).
 * A target of another org answers 404, as every other resource does.
 */
export async function addQuarantine(q: QuarantineDeps, p: Principal, input: AddQuarantineInput): Promise<QuarantineEntry> {
  if (p.kind === 'key') assertOrgScope(p, 'manage quarantine');
  let orgId: string | null = null;
  if (input.kind === 'domain') {
    if (p.kind !== 'operator') {
      throw new BreakwaterError('forbidden_scope', 'only the operator can quarantine a domain', { fix: 'Quarantine the inbox or key instead, or ask the operator.' });
    }
  } else {
    orgId = await q.deps.store.ownerOrgOf(input.kind, input.target);
    if (!orgId || (p.kind === 'key' && orgId !== p.orgId)) throw notFound(input.kind);
  }
  const now = q.deps.clock();
  const entry: QuarantineEntry = {
    id: newId('qrn', now), kind: input.kind, target: input.kind === 'domain' ? input.target.toLowerCase() : input.target,
    lane: input.lane, reason: input.reason, source: 'operator', orgId,
    createdAt: now, expiresAt: input.ttlSeconds === null ? null : now + input.ttlSeconds * 1000,
  };
  await q.registry.add(entry);
  q.onChange?.(entry, 'added');
  return entry;
}

/** Entries of the caller's org (every org's for the operator); the org's keys and inboxes are named, so org scope only. */
export function listQuarantine(q: QuarantineDeps, p: Principal): QuarantineEntry[] {
  if (p.kind === 'key') assertOrgScope(p, 'read the quarantine');
  return q.registry.list(p.kind === 'operator' ? {} : { orgId: p.orgId });
}

export async function removeQuarantine(q: QuarantineDeps, p: Principal, id: string): Promise<QuarantineEntry> {
  if (p.kind === 'key') assertOrgScope(p, 'manage quarantine');
  const entry = q.registry.get(id);
  if (!entry || (p.kind === 'key' && entry.orgId !== p.orgId)) throw notFound('quarantine entry');
  const removed = await q.registry.remove(id);
  if (!removed) throw notFound('quarantine entry');
  q.onChange?.(removed, 'removed');
  return removed;
}
