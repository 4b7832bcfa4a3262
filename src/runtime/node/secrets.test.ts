import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../adapters/store/sqlite/sqlite-store.ts';
import { silentLogger } from '../../../test/helpers/app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openSecrets } from './secrets.ts';

const KEY = 'c0'.repeat(32);
const OTHER = 'd1'.repeat(32);

describe('the secret key on Node', () => {
  let dir: string;
  let store: SqliteStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bw-secrets-'));
    store = new SqliteStore({ filename: join(dir, 'bw.db') });
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a key on first start, owner-only, and uses the same one on the next', async () => {
    const config = loadConfig({ BREAKWATER_DATA_DIR: dir });
    const first = await openSecrets(config, store, silentLogger);
    const file = join(dir, 'secret-key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    const second = await openSecrets(config, store, silentLogger);
    expect(second.keyId).toBe(first.keyId);
    expect(await second.open(await first.seal('whsec_x', 'webhook:whk_1'), 'webhook:whk_1')).toBe('whsec_x');
  });

  it('requires BREAKWATER_SECRET_KEY with BREAKWATER_DATABASE_URL, as the operator token', async () => {
    const config = loadConfig({ BREAKWATER_DATA_DIR: dir, BREAKWATER_DATABASE_URL: 'postgres://x@127.0.0.1/none' });
    await expect(openSecrets(config, store, silentLogger)).rejects.toThrow(/^BREAKWATER_SECRET_KEY: required with BREAKWATER_DATABASE_URL/);
  });

  it('refuses a malformed key in one line that does not echo it', () => {
    for (const bad of ['short', 'c0'.repeat(31), Buffer.alloc(24).toString('base64')]) {
      let err: unknown;
      try {
        loadConfig({ BREAKWATER_SECRET_KEY: bad });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toBe('BREAKWATER_SECRET_KEY: must be 32 bytes: 64 hex digits or base64 (openssl rand -hex 32) (got [redacted])');
    }
    expect(() => loadConfig({ BREAKWATER_SECRET_KEY_PREVIOUS: 'nope' })).toThrow(/^BREAKWATER_SECRET_KEY_PREVIOUS: .*\(got \[redacted\]\)$/);
    // The operator token and URLs with passwords are not echoed either.
    expect(() => loadConfig({ BREAKWATER_OPERATOR_TOKEN: 'tooshort' })).toThrow(/\(got \[redacted\]\)$/);
    expect(() => loadConfig({ BREAKWATER_DATABASE_URL: 'mysql://u:pw@h/db' })).toThrow(/\(got \[redacted\]\)$/);
  });

  it('stops the start with one line naming the variable when the key opens nothing stored', async () => {
    const box = await openSecrets(loadConfig({ BREAKWATER_DATA_DIR: dir, BREAKWATER_SECRET_KEY: KEY }), store, silentLogger);
    const sealed = await box.seal('whsec_x', 'webhook:whk_1');
    await store.db.insertInto('orgs').values({ id: 'org_1', name: 'o', plan: 'free', created_at: 1 } as never).execute();
    await store.insertWebhookEndpoint({
      id: 'whk_1', orgId: 'org_1', url: 'https://h.example/', events: [], inboxIds: [], secret: sealed, enabled: true, disabledReason: null, firstFailureAt: null, createdAt: 1, updatedAt: 1,
    });
    const err = await openSecrets(loadConfig({ BREAKWATER_DATA_DIR: dir, BREAKWATER_SECRET_KEY: OTHER }), store, silentLogger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(new RegExp(`^BREAKWATER_SECRET_KEY: the webhook:whk_1 secret is sealed under key ${box.keyId}, but the configured keys are [0-9a-f]{8} only; set the key that sealed them`));
    expect(message).not.toContain('\n');
    expect(message).not.toContain(OTHER);
    // With the old key as previous, the start reseals instead.
    const rotated = await openSecrets(loadConfig({ BREAKWATER_DATA_DIR: dir, BREAKWATER_SECRET_KEY: OTHER, BREAKWATER_SECRET_KEY_PREVIOUS: KEY }), store, silentLogger);
    expect(rotated.isCurrent((await store.getWebhookEndpoint('org_1', 'whk_1'))!.secret)).toBe(true);
  });
});
