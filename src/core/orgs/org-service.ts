import type { CoreDeps } from '../context.ts';
import { newId } from '../ids.ts';
import { mintKey } from '../keys/api-keys.ts';
import type { Org, Plan } from '../model.ts';

/** Creates an org with its first `org`-scoped key; the plain key is returned once. */
export async function createOrg(deps: CoreDeps, input: { name: string; plan?: Plan }): Promise<{ org: Org; apiKey: string }> {
  const now = deps.clock();
  const org: Org = { id: newId('org', now), name: input.name, plan: input.plan ?? 'free', createdAt: now };
  const { plain, record } = await mintKey({ orgId: org.id, name: 'default', scope: 'org', inboxIds: [], now });
  await deps.store.createOrg(org, record);
  return { org, apiKey: plain };
}
