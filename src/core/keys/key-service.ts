import { assertOrgScope, type KeyPrincipal } from '../auth/principal.ts';
import type { CoreDeps } from '../context.ts';
import { BreakwaterError, notFound } from '../errors.ts';
import type { ApiKey, KeyScope, Page } from '../model.ts';
import { mintKey } from './api-keys.ts';

export interface CreateKeyInput {
  name: string;
  scope: KeyScope;
  inboxIds: string[];
}

export async function createKey(deps: CoreDeps, p: KeyPrincipal, input: CreateKeyInput): Promise<{ key: ApiKey; plain: string }> {
  assertOrgScope(p, 'create keys');
  if (input.scope === 'inbox' && input.inboxIds.length === 0) {
    throw new BreakwaterError('validation_failed', 'an inbox-scoped key needs at least one inbox id', {
      errors: [{ path: 'inbox_ids', message: 'required when scope is "inbox"' }],
    });
  }
  for (const [i, id] of input.inboxIds.entries()) {
    if (!(await deps.store.getInbox(p.orgId, id))) {
      throw new BreakwaterError('validation_failed', `inbox ${id} not found`, { errors: [{ path: `inbox_ids.${i}`, message: 'unknown inbox' }] });
    }
  }
  const { plain, record } = await mintKey({
    orgId: p.orgId, name: input.name, scope: input.scope,
    inboxIds: input.scope === 'inbox' ? [...new Set(input.inboxIds)] : [], now: deps.clock(),
  });
  await deps.store.insertKey(record);
  return { key: record, plain };
}

export function listKeys(deps: CoreDeps, p: KeyPrincipal, cursor: string | null, limit: number): Promise<Page<ApiKey>> {
  assertOrgScope(p, 'list keys');
  return deps.store.listKeys(p.orgId, { cursor, limit });
}

export async function revokeKey(deps: CoreDeps, p: KeyPrincipal, id: string): Promise<ApiKey> {
  assertOrgScope(p, 'revoke keys');
  const key = await deps.store.revokeKey(p.orgId, id, deps.clock());
  if (!key) throw notFound('key');
  return key;
}
