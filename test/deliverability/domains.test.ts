/**
 * Domains (DESIGN §4, §8): the default domain with its DKIM record, adding a domain and the
 * records to publish, verification through the Resolver port (StaticResolver serving what the
 * API published), and what a verified domain becomes: a hosted one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticResolver } from '../../src/adapters/resolver/static/static-resolver.ts';
import { isHostedDomain } from '../../src/core/inboxes/inbox-service.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

interface RecordJson { purpose: string; type: string; name: string; value: string; priority?: number; status: string; error?: string }

/** A resolver serving these records as DNS would: TXT split into 255-octet strings. */
function resolverFor(records: RecordJson[], o: { skip?: string[]; failing?: string[] } = {}): StaticResolver {
  const txt: Record<string, string[][]> = {};
  const mx: Record<string, Array<{ exchange: string; priority: number }>> = {};
  for (const r of records.filter((x) => !o.skip?.includes(x.purpose))) {
    if (r.type === 'MX') (mx[r.name] ??= []).push({ exchange: r.value, priority: r.priority ?? 10 });
    if (r.type === 'TXT') (txt[r.name] ??= []).push(r.value.match(/.{1,255}/g)!);
  }
  return new StaticResolver({ txt, mx, failing: o.failing });
}

describe('domains', () => {
  let t: TestApp;
  let key: string;
  let other: string;

  beforeAll(async () => {
    t = await buildTestApp();
    ({ key } = await t.createOrg());
    ({ key: other } = await t.createOrg());
  });
  afterAll(() => t.close());

  const add = (name: string, k = key) => t.request('POST', '/v1/domains', { key: k, body: { name } });

  it('lists the default domain read-only with its records, its DKIM key among them', async () => {
    const res = await t.request('GET', '/v1/domains', { key });
    expect(res.status).toBe(200);
    const def = res.body.data[0];
    expect(def).toMatchObject({ name: 'agents.localhost', status: 'verified', default: true, dkim: { algorithm: 'rsa', selector: expect.stringMatching(/^bw[a-z2-9]{8}$/) } });
    const dkim = def.records.find((r: RecordJson) => r.purpose === 'dkim');
    expect(dkim).toMatchObject({ type: 'TXT', name: `${def.dkim.selector}._domainkey.agents.localhost`, value: expect.stringMatching(/^v=DKIM1; k=rsa; p=MII[A-Za-z0-9+/=]+$/) });
    expect(res.body.next_cursor).toBeNull();
    // Every org sees the same default domain; none may verify it.
    expect((await t.request('GET', '/v1/domains', { key: other })).body.data[0].id).toBe(def.id);
    const verify = await t.request('POST', `/v1/domains/${def.id}/verify`, { key });
    expect(verify.status).toBe(403);
    expect(verify.body.code).toBe('forbidden');
  });

  it('adds a domain: 201 with the MX, SPF, DKIM and DMARC records to publish, never the private key', async () => {
    const res = await add('Mail.Example.COM.');
    expect(res.status).toBe(201);
    const d = res.body;
    expect(d).toMatchObject({ name: 'mail.example.com', status: 'pending', default: false, verified_at: null });
    expect(d.records.map((r: RecordJson) => `${r.purpose} ${r.type} ${r.name}`)).toEqual([
      'mx MX mail.example.com', 'spf TXT mail.example.com', `dkim TXT ${d.dkim.selector}._domainkey.mail.example.com`, 'dmarc TXT _dmarc.mail.example.com',
    ]);
    expect(d.records[0]).toMatchObject({ value: 'agents.localhost', priority: 10, status: 'pending' });
    expect(d.records[1].value).toBe('v=spf1 mx ~all');
    expect(d.records[3].value).toMatch(/^v=DMARC1; p=quarantine/);
    expect(JSON.stringify(d)).not.toMatch(/private|pkcs8|BEGIN/i);
    const listed = await t.request('GET', '/v1/domains', { key });
    expect(listed.body.data.map((x: { name: string }) => x.name)).toEqual(['agents.localhost', 'mail.example.com']);
    expect((await t.request('GET', `/v1/domains/${d.id}`, { key })).body).toEqual(d);
  });

  it('refuses inboxes on a domain until it is verified', async () => {
    await add('pending.example.com');
    const res = await t.request('POST', '/v1/inboxes', { key, body: { username: 'agent', domain: 'pending.example.com' } });
    expect(res.status).toBe(422);
    expect(isHostedDomain(t.deps, 'pending.example.com')).toBe(false);
  });

  it('verifies a domain whose records DNS serves: each record verified, the domain hosted', async () => {
    const d = (await add('agents.example.org')).body;
    t.deps.resolver = resolverFor(d.records);
    const res = await t.request('POST', `/v1/domains/${d.id}/verify`, { key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'verified', verified_at: expect.any(String), checked_at: expect.any(String) });
    expect(res.body.records.map((r: RecordJson) => r.status)).toEqual(['verified', 'verified', 'verified', 'verified']);
    expect(isHostedDomain(t.deps, 'agents.example.org')).toBe(true);

    const inbox = await t.request('POST', '/v1/inboxes', { key, body: { username: 'sales', domain: 'agents.example.org' } });
    expect(inbox.status).toBe(201);
    expect(inbox.body.address).toBe('sales@agents.example.org');
    // Another org may not put inboxes on it, nor read it.
    expect((await t.request('POST', '/v1/inboxes', { key: other, body: { username: 'x', domain: 'agents.example.org' } })).status).toBe(422);
    expect((await t.request('GET', `/v1/domains/${d.id}`, { key: other })).status).toBe(404);
    // Outbound mail from it is signed with its own key.
    expect(t.deps.deliverability!.domains.signer('agents.example.org')).toMatchObject({ domain: 'agents.example.org', selector: d.dkim.selector });
  });

  it('accepts DNS that holds more than asked: a richer SPF record, a stricter DMARC policy', async () => {
    const d = (await add('rich.example.org')).body;
    const records = d.records.map((r: RecordJson) => (r.purpose === 'spf' ? { ...r, value: 'v=spf1 include:_spf.google.com mx -all' }
      : r.purpose === 'dmarc' ? { ...r, value: 'v=DMARC1; p=reject; rua=mailto:d@rich.example.org' } : r));
    t.deps.resolver = resolverFor(records);
    expect((await t.request('POST', `/v1/domains/${d.id}/verify`, { key })).body.status).toBe('verified');
  });

  it('a missing DKIM record fails that record, and the domain, naming what is wrong', async () => {
    const d = (await add('nodkim.example.org')).body;
    t.deps.resolver = resolverFor(d.records, { skip: ['dkim'] });
    const res = await t.request('POST', `/v1/domains/${d.id}/verify`, { key });
    expect(res.body.status).toBe('failed');
    const byPurpose = Object.fromEntries(res.body.records.map((r: RecordJson) => [r.purpose, r]));
    expect(byPurpose.dkim).toMatchObject({ status: 'failed', error: 'no DKIM record' });
    expect([byPurpose.mx.status, byPurpose.spf.status, byPurpose.dmarc.status]).toEqual(['verified', 'verified', 'verified']);
    expect(isHostedDomain(t.deps, 'nodkim.example.org')).toBe(false);
  });

  it('a DKIM record with another key, two SPF records, an MX elsewhere: each failed with its reason', async () => {
    const d = (await add('wrong.example.org')).body;
    const records = d.records.map((r: RecordJson) => (r.purpose === 'dkim' ? { ...r, value: 'v=DKIM1; k=rsa; p=MIIBother' }
      : r.purpose === 'mx' ? { ...r, value: 'mx.elsewhere.example' } : r));
    records.push({ ...records[1], value: 'v=spf1 a ~all' });
    t.deps.resolver = resolverFor(records);
    const res = (await t.request('POST', `/v1/domains/${d.id}/verify`, { key })).body;
    expect(res.records.map((r: RecordJson) => `${r.purpose}:${r.status}:${r.error}`)).toEqual([
      'mx:failed:MX points to mx.elsewhere.example, not agents.localhost',
      'spf:failed:more than one SPF record; merge them into one',
      'dkim:failed:the DKIM record holds another key',
      'dmarc:verified:undefined',
    ]);
  });

  it('a DNS fault leaves the record pending (try again), not failed', async () => {
    const d = (await add('flaky.example.org')).body;
    t.deps.resolver = resolverFor(d.records, { failing: [`_dmarc.flaky.example.org`] });
    const res = (await t.request('POST', `/v1/domains/${d.id}/verify`, { key })).body;
    expect(res.status).toBe('pending');
    expect(res.records[3]).toMatchObject({ purpose: 'dmarc', status: 'pending', error: expect.stringMatching(/^lookup failed, try again/) });
  });

  it.each([
    ['not a domain', 'not a domain', 422, 'validation_failed'],
    ['a bare label', 'localhost', 422, 'validation_failed'],
    ['the default domain', 'agents.localhost', 422, 'validation_failed'],
    ['a name under the default domain', 'x.agents.localhost', 422, 'validation_failed'],
  ])('refuses %s', async (_name, name, status, code) => {
    const res = await add(name);
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
  });

  it('refuses a second claim by the same org (409), and one of a name another org verified', async () => {
    expect((await add('mail.example.com')).status).toBe(409);
    const taken = await add('agents.example.org', other);
    expect(taken.status).toBe(409);
    expect(taken.body.detail).toMatch(/verified by another org/);
  });

  it('inbox-scoped keys cannot add or verify domains', async () => {
    const inbox = (await t.request('POST', '/v1/inboxes', { key, body: {} })).body;
    const scoped = (await t.request('POST', '/v1/keys', { key, body: { scopes: ['inbox'], inbox_ids: [inbox.id] } })).body.api_key;
    expect((await add('scoped.example.org', scoped)).body.code).toBe('forbidden_scope');
    // They may read them.
    expect((await t.request('GET', '/v1/domains', { key: scoped })).status).toBe(200);
  });

  it('keeps postmaster@, abuse@ and bounces+… for reports: no inbox may take them', async () => {
    for (const username of ['postmaster', 'abuse', 'bounces+x']) {
      const res = await t.request('POST', '/v1/inboxes', { key, body: { username } });
      expect(res.status, username).toBe(422);
    }
  });
});
