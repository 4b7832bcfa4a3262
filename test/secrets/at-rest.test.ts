/**
 * Webhook secrets and DKIM private keys at rest: the bytes in the table are an envelope, not the
 * secret (read with raw SQL, past the store); rows from before sealing keep working and are
 * resealed at start; a rotation reseals under the new key; a wrong key is a clear refusal.
 */
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AesGcmSecretBox, parseSecretKey } from '../../src/core/secrets/aes-gcm-box.ts';
import { resealSecrets } from '../../src/core/secrets/reseal.ts';
import { SecretKeyError, secretContext } from '../../src/core/secrets/secret-box.ts';
import { buildTestApp, silentLogger, type TestApp } from '../helpers/app.ts';
import { TEST_SECRET_KEY, testSecretBox } from '../helpers/secrets.ts';
import { FakeSender, MutableResolver, runWebhooks } from '../helpers/webhooks.ts';

const OTHER_KEY = parseSecretKey('a1'.repeat(32))!;

describe('secrets at rest', () => {
  let t: TestApp;
  let sender: FakeSender;
  let key: string;

  beforeEach(async () => {
    sender = new FakeSender();
    // The real clock: the reference verifier checks the timestamp against now.
    t = await buildTestApp({ resolver: new MutableResolver({ 'hooks.example.com': ['93.184.216.34'] }), webhookSender: sender });
    key = (await t.createOrg()).key;
  });
  afterEach(() => t.close());

  async function createWebhook(): Promise<{ id: string; secret: string }> {
    const res = await t.request('POST', '/v1/webhooks', { key, body: { url: 'https://hooks.example.com/bw' } });
    expect(res.status).toBe(201);
    return { id: res.body.id, secret: res.body.secret };
  }

  const webhookRow = async (id: string) =>
    (await sql<{ secret: string }>`select secret from webhook_endpoints where id = ${id}`.execute(t.store.db)).rows[0]!.secret;
  const dkimRows = async () =>
    (await sql<{ id: string; dkim_private_key: string }>`select id, dkim_private_key from domains order by id`.execute(t.store.db)).rows;

  /** Sends webhook.test to the endpoint and answers whether its signature verifies with `secret` (the reference library). */
  async function signsWith(id: string, secret: string): Promise<boolean> {
    expect((await t.request('POST', `/v1/webhooks/${id}/test`, { key })).status).toBe(202);
    sender.requests.length = 0;
    await runWebhooks(t.deps);
    const sent = sender.requests.at(-1)!;
    try {
      new Webhook(secret).verify(sent.body, sent.headers);
      return true;
    } catch {
      return false;
    }
  }

  it('stores a webhook secret sealed, not as the secret, and signs with the secret', async () => {
    const { id, secret } = await createWebhook();
    const stored = await webhookRow(id);
    const box = await testSecretBox();
    expect(stored).toMatch(new RegExp(`^enc:v1:${box.keyId}:`));
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secret.slice('whsec_'.length));
    expect(await box.open(stored, secretContext('webhook', id))).toBe(secret);
    expect(await signsWith(id, secret)).toBe(true);
  });

  it('stores DKIM private keys sealed: the default domain\'s and an org\'s', async () => {
    expect((await t.request('POST', '/v1/domains', { key, body: { name: 'mail.example.org' } })).status).toBe(201);
    const rows = await dkimRows();
    expect(rows).toHaveLength(2);
    const box = await testSecretBox();
    for (const row of rows) {
      expect(row.dkim_private_key.startsWith(`enc:v1:${box.keyId}:`)).toBe(true);
      // The plain key is PKCS #8 in base64, which always starts "MI" (a DER SEQUENCE).
      expect(row.dkim_private_key).not.toMatch(/MII[A-Za-z0-9+/]{40}/);
      const pkcs8 = await box.open(row.dkim_private_key, secretContext('dkim', row.id));
      await expect(crypto.subtle.importKey('pkcs8', Buffer.from(pkcs8, 'base64'), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign'])).resolves.toBeTruthy();
    }
  });

  it('reads legacy plaintext rows, and reseals them at start', async () => {
    const { id, secret } = await createWebhook();
    // A database from before sealing: the secret and the DKIM keys as plaintext.
    const box = await testSecretBox();
    await sql`update webhook_endpoints set secret = ${secret} where id = ${id}`.execute(t.store.db);
    for (const row of await dkimRows()) {
      const plain = await box.open(row.dkim_private_key, secretContext('dkim', row.id));
      await sql`update domains set dkim_private_key = ${plain} where id = ${row.id}`.execute(t.store.db);
    }
    expect(await signsWith(id, secret)).toBe(true);

    expect(await resealSecrets(t.store, box, silentLogger)).toEqual({ legacy: 2, rotated: 0 });
    expect(box.isCurrent(await webhookRow(id))).toBe(true);
    expect((await dkimRows()).every((r) => box.isCurrent(r.dkim_private_key))).toBe(true);
    expect(await signsWith(id, secret)).toBe(true);
    // Nothing left to do: a second start writes nothing.
    expect(await resealSecrets(t.store, box, silentLogger)).toEqual({ legacy: 0, rotated: 0 });
  });

  it('rotates: the new key with the old one as previous reseals every row; the old key alone then opens nothing', async () => {
    const { id, secret } = await createWebhook();
    const rotated = await AesGcmSecretBox.create({ current: OTHER_KEY, previous: parseSecretKey(TEST_SECRET_KEY) });
    expect(await resealSecrets(t.store, rotated, silentLogger)).toEqual({ legacy: 0, rotated: 2 });
    const stored = await webhookRow(id);
    expect(stored.startsWith(`enc:v1:${rotated.keyId}:`)).toBe(true);
    await expect((await testSecretBox()).open(stored, secretContext('webhook', id))).rejects.toBeInstanceOf(SecretKeyError);
    t.deps.secrets = rotated;
    expect(await signsWith(id, secret)).toBe(true);
  });

  it('refuses a wrong key with an error naming both key ids, and changes no row', async () => {
    const { id } = await createWebhook();
    const before = await webhookRow(id);
    const wrong = await AesGcmSecretBox.create({ current: OTHER_KEY });
    const err = await resealSecrets(t.store, wrong, silentLogger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretKeyError);
    expect((err as Error).message).toMatch(new RegExp(`is sealed under key ${(await testSecretBox()).keyId}, but the configured keys are ${wrong.keyId} only$`));
    expect(await webhookRow(id)).toBe(before);
  });

  it('a delivery whose secret no key opens is a logged attempt fault, retried on schedule, not a crash', async () => {
    const { id } = await createWebhook();
    t.deps.secrets = await AesGcmSecretBox.create({ current: OTHER_KEY });
    expect((await t.request('POST', `/v1/webhooks/${id}/test`, { key })).status).toBe(202);
    const [result] = await runWebhooks(t.deps);
    expect(result).toMatchObject({ kind: 'retry' });
    expect(sender.requests).toHaveLength(0);
    const deliveries = await t.request('GET', `/v1/webhooks/${id}/deliveries`, { key });
    expect(JSON.stringify(deliveries.body)).toMatch(/secret is sealed under key [0-9a-f]{8}, but the configured keys are/);
  });
});
