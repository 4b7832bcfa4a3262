/**
 * The SecretStore half of the Store contract (webhook secrets; the SQL adapters keep DKIM keys
 * the same way, covered in secrets-at-rest.test.ts). The database may be shared by other tests,
 * so rows are told apart by this test's own ids and key prefix.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.ts';
import type { Org, WebhookEndpoint } from '../../core/model.ts';
import type { Queue, Store, StoredSecret } from '../../core/ports.ts';
import { tag, T0 } from './store-contract-fixtures.ts';

export function secretStoreContract(h: { store: () => Store & Queue; newOrg: () => Promise<{ org: Org }> }): void {
  describe('secrets at rest', () => {
    async function endpoints(secrets: string[]): Promise<WebhookEndpoint[]> {
      const { org } = await h.newOrg();
      const made: WebhookEndpoint[] = [];
      for (const [i, secret] of secrets.entries()) {
        const e: WebhookEndpoint = {
          id: newId('whk', T0 + i), orgId: org.id, url: `https://hooks.example/${i}`, events: [], inboxIds: [], secret, enabled: true,
          disabledReason: null, firstFailureAt: null, createdAt: T0 + i, updatedAt: T0 + i,
        };
        await h.store().insertWebhookEndpoint(e);
        made.push(e);
      }
      return made;
    }

    async function allStale(prefix: string, page: number): Promise<StoredSecret[]> {
      const out: StoredSecret[] = [];
      for (let after: string | null = null; ;) {
        const rows = await h.store().listStaleSecrets('webhook', prefix, after, page);
        out.push(...rows);
        if (rows.length < page) return out;
        after = rows[rows.length - 1]!.id;
      }
    }

    it('lists the secrets not under a key prefix, by id, in pages', async () => {
      const prefix = `enc:v1:${tag().slice(0, 8)}:`;
      // A prefix that only differs in case, and one with LIKE wildcards, must not pass for the key's.
      const [current, legacy, other, upper] = await endpoints([`${prefix}iv:data`, 'whsec_legacy', 'enc:v1:0_0_0_0_:iv:data', prefix.toUpperCase() + 'iv:data']);
      const stale = await allStale(prefix, 2);
      const ours = stale.filter((s) => [current, legacy, other, upper].some((e) => e!.id === s.id));
      expect(ours).toEqual([
        { id: legacy!.id, value: 'whsec_legacy' },
        { id: other!.id, value: 'enc:v1:0_0_0_0_:iv:data' },
        { id: upper!.id, value: upper!.secret },
      ]);
      expect(stale.map((s) => s.id)).toEqual([...stale.map((s) => s.id)].sort());
      const after = await h.store().listStaleSecrets('webhook', prefix, legacy!.id, 1000);
      expect(after.some((s) => s.id === legacy!.id)).toBe(false);
      expect(after.some((s) => s.id === other!.id)).toBe(true);
    });

    it('replaces a secret only while it still holds the value read', async () => {
      const [e] = await endpoints(['whsec_before']);
      expect(await h.store().replaceSecret('webhook', e!.id, 'whsec_other', 'enc:v1:x:y:z')).toBe(false);
      expect(await h.store().replaceSecret('webhook', e!.id, 'whsec_before', 'enc:v1:x:y:z')).toBe(true);
      // A second node resealing the same row finds it changed and leaves it.
      expect(await h.store().replaceSecret('webhook', e!.id, 'whsec_before', 'enc:v1:x:y:w')).toBe(false);
      expect((await h.store().getWebhookEndpoint(e!.orgId, e!.id))?.secret).toBe('enc:v1:x:y:z');
      expect(await h.store().replaceSecret('webhook', newId('whk'), 'a', 'b')).toBe(false);
    });
  });
}
