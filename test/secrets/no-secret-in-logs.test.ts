/**
 * No secret in any log line: a full run of the real server at debug level (orgs and keys,
 * webhooks and their deliveries, a custom domain, sends through a relay with DKIM, inbound SMTP,
 * bad credentials, operator and dashboard calls), then every line it wrote is searched for every
 * secret the run made or used.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.ts';
import { AesGcmSecretBox, parseSecretKey } from '../../src/core/secrets/aes-gcm-box.ts';
import { secretContext } from '../../src/core/secrets/secret-box.ts';
import { TestServer } from '../helpers/server.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { WebhookReceiver } from '../helpers/webhooks.ts';

const SECRET_KEY = randomBytes(32).toString('base64');

describe('no secret in a log line', () => {
  let server: TestServer;
  let sink: SmtpSink;
  let receiver: WebhookReceiver;
  const secrets = new Map<string, string>();
  const remember = (what: string, value: string) => {
    expect(value.length).toBeGreaterThanOrEqual(16);
    secrets.set(what, value);
  };

  beforeAll(async () => {
    sink = await SmtpSink.start();
    receiver = await WebhookReceiver.start();
    server = await TestServer.start({
      keepDataDir: true,
      env: { BREAKWATER_LOG_LEVEL: 'debug', BREAKWATER_SECRET_KEY: SECRET_KEY, BREAKWATER_SMTP_RELAY: sink.url },
    });
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    await sink?.close();
    await receiver?.close();
  });

  it('runs a full flow at debug level and logs none of its secrets', async () => {
    remember('BREAKWATER_SECRET_KEY', SECRET_KEY);
    remember('operator token', server.operatorToken);
    const { key } = await server.createOrg('leaky');
    remember('first API key', key);
    const second = await server.createKey(key, 'second');
    remember('second API key', second.key);

    const inbox = await server.createInbox(key, 'agent');
    const peer = await server.createInbox(key, 'peer');
    const hook = await server.api('POST', '/v1/webhooks', { key, body: { url: receiver.url } });
    expect(hook.status).toBe(201);
    remember('webhook secret', hook.body.secret);
    remember('webhook secret bytes', hook.body.secret.slice('whsec_'.length));
    receiver.secret = hook.body.secret;
    const domain = await server.api('POST', '/v1/domains', { key, body: { name: 'mail.leaky.example' } });
    expect(domain.status).toBe(201);
    // Failing verification (no such DNS) logs what it found; it must not log the key.
    await server.api('POST', `/v1/domains/${domain.body.id}/verify`, { key });

    // Sends: one relayed (DKIM-signed with the default domain's key), one to a hosted inbox.
    for (const [i, to] of [['someone@example.org'], [peer.address]].entries()) {
      const sent = await server.api('POST', `/v1/inboxes/${inbox.id}/messages`, {
        key, headers: { 'idempotency-key': `send-${i}` }, body: { to, subject: `hello ${i}`, text: 'body' },
      });
      expect(sent.status).toBe(202);
    }
    await sink.waitFor(() => sink.messages.length >= 1);
    expect(sink.messages[0]!.raw.toString()).toMatch(/^DKIM-Signature:/);

    // Inbound over SMTP, with a credential-looking header an agent might forward.
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.smtpPort, secure: false, tls: { rejectUnauthorized: false } });
    try {
      await transport.sendMail({ from: 'sender@example.net', to: inbox.address, subject: 'inbound', text: 'hi', headers: { 'X-Api-Key': key } });
    } finally {
      transport.close();
    }
    await receiver.waitFor(3, 20_000);
    expect(receiver.received.every((r) => r.verified)).toBe(true);

    // Bad credentials: a well-formed unknown key, a malformed one, a wrong operator token, a revoked key.
    const unknown = `bw_${randomBytes(24).toString('base64url')}`;
    remember('unknown API key', unknown);
    const wrongOperator = `bwop_${randomBytes(24).toString('base64url')}`;
    remember('wrong operator token', wrongOperator);
    expect((await server.api('GET', '/v1/inboxes', { key: unknown })).status).toBe(401);
    expect((await server.api('GET', '/v1/inboxes', { key: `bw_short${randomBytes(8).toString('hex')}` })).status).toBe(401);
    expect((await server.api('POST', '/v1/orgs', { key: wrongOperator, body: { name: 'x' } })).status).toBe(401);
    expect((await server.api('DELETE', `/v1/keys/${second.id}`, { key })).status).toBe(200);
    expect((await server.api('GET', '/v1/inboxes', { key: second.key })).status).toBe(401);
    expect((await server.api('GET', '/v1/inboxes', { headers: { authorization: `Basic ${Buffer.from(`u:${key}`).toString('base64')}` } })).status).toBe(401);

    // Operator calls, and the dashboard's sign-in with its cookie and CSRF token.
    expect((await server.api('GET', '/metrics', { key: server.operatorToken })).status).toBe(200);
    expect((await server.api('GET', '/v1/admin/inboxes', { key: server.operatorToken })).status).toBe(200);
    expect((await server.api('POST', '/v1/quarantine', { key: server.operatorToken, body: { kind: 'inbox', target: peer.id, lane: 'outbound', reason: 'test', ttl_seconds: 60 } })).status).toBe(201);
    expect((await server.api('POST', '/dashboard/login', { body: { token: wrongOperator } })).status).toBe(401);
    const login = await server.api('POST', '/dashboard/login', { body: { token: server.operatorToken } });
    expect(login.status).toBe(200);
    remember('dashboard CSRF token', login.body.csrf_token);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    remember('dashboard session cookie', cookie.split('=')[1]!);
    expect((await server.api('GET', '/v1/admin/inboxes', { headers: { cookie } })).status).toBe(200);
    expect((await server.api('DELETE', '/v1/quarantine/none', { headers: { cookie } })).status).toBe(401);

    await server.stop();
    // The DKIM private keys as they really are: opened from the database with the configured key.
    const store = new SqliteStore({ filename: join(server.dataDir, 'breakwater.db') });
    try {
      const box = await AesGcmSecretBox.create({ current: parseSecretKey(SECRET_KEY)! });
      const rows = (await sql<{ id: string; dkim_private_key: string }>`select id, dkim_private_key from domains`.execute(store.db)).rows;
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        const pkcs8 = await box.open(row.dkim_private_key, secretContext('dkim', row.id));
        remember(`DKIM key of ${row.id}`, pkcs8);
        // Any 40 characters of it would do to betray it; the middle is not the shared DER header.
        remember(`DKIM key of ${row.id} (a slice)`, pkcs8.slice(200, 240));
      }
    } finally {
      await store.close();
    }

    const lines = server.logs;
    // The run did log, at debug: requests, webhook attempts, deliveries.
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.some((l) => l.includes('webhook attempt'))).toBe(true);
    const hits = [...secrets].flatMap(([what, value]) => lines.filter((l) => l.includes(value)).map((l) => `${what}: ${l.slice(0, 300)}`));
    expect(hits).toEqual([]);
  }, 90_000);
});
