/**
 * API keys at rest (DESIGN §4: "only a hash is stored; the key is shown once"): after an org's
 * first key and a second one are made and used, no row of any table holds either key, or its
 * secret part, in any column; the keys table holds their SHA-256.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

describe('API keys at rest', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(() => t.close());

  it('no table holds a plain key, only its hash; the key is not shown again', async () => {
    const { key } = await t.createOrg();
    const second = await t.request('POST', '/v1/keys', { key, body: { name: 'second' } });
    expect(second.status).toBe(201);
    const plain = [key, second.body.api_key as string];
    for (const k of plain) expect((await t.request('GET', '/v1/inboxes', { key: k })).status).toBe(200);

    const listed = await t.request('GET', '/v1/keys', { key });
    expect(listed.status).toBe(200);
    for (const k of plain) expect(JSON.stringify(listed.body)).not.toContain(k.slice(3));

    const tables = (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(t.store.db)).rows.map((r) => r.name);
    expect(tables).toContain('api_keys');
    const leaks: string[] = [];
    for (const table of tables) {
      const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(t.store.db)).rows;
      const text = JSON.stringify(rows);
      // The part after `bw_`: a stored prefix of a few characters for display is fine, the secret is not.
      for (const k of plain) if (text.includes(k.slice(3))) leaks.push(`${table} holds ${k.slice(0, 7)}…`);
    }
    expect(leaks).toEqual([]);

    const stored = JSON.stringify((await sql`select * from api_keys`.execute(t.store.db)).rows);
    for (const k of plain) expect(stored).toContain(createHash('sha256').update(k).digest('hex'));
  });
});
