/**
 * The operator dashboard in a real browser (Debian's chromium driven by playwright-core)
 * against a real server process with the DESIGN §5 key limits: sign in with the operator
 * token, watch a storm reach the live chart and the identities table, keep a screenshot in
 * test-artifacts/, then click through quarantine → release and resume of a paused inbox.
 *
 * Without chromium the suite is skipped, except under CI, where it fails: .ci/run installs it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawSmtp } from '../blackbox/raw-smtp.ts';
import { dsn } from '../helpers/reports.ts';
import { TestServer } from '../helpers/server.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
const runs = existsSync(CHROMIUM) || process.env.CI === 'true';

/** One SMTP transaction from the null sender (a DSN), over a plain socket. */
async function sendDsn(port: number, to: string, data: string): Promise<void> {
  const { smtp } = await RawSmtp.open(port);
  try {
    await smtp.command('EHLO mx.example.net');
    await smtp.command('MAIL FROM:<>');
    expect((await smtp.command(`RCPT TO:<${to}>`)).code).toBe(250);
    await smtp.command('DATA');
    await smtp.write(`${data.replace(/\r\n\./g, '\r\n..')}\r\n.\r\n`);
    expect((await smtp.reply()).code).toBe(250);
    await smtp.command('QUIT');
  } finally {
    smtp.close();
  }
}

describe.runIf(runs)('the operator dashboard in chromium', () => {
  let server: TestServer;
  let sink: SmtpSink;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const errors: string[] = [];
  const operator = (method: string, path: string, body?: unknown) => server.api(method, path, { key: server.operatorToken, body });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: CI installs it (apt-get install chromium in .ci/run)`);
    sink = await SmtpSink.start();
    server = await TestServer.start({ env: { BREAKWATER_SMTP_RELAY: sink.url, BREAKWATER_KEY_RATE: '20', BREAKWATER_KEY_BURST: '40' } });
    profile = mkdtempSync(join(tmpdir(), 'bw-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(e.message));
    // Every asset is local: a request to any other origin is a failure of the page.
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith('data:')) errors.push(`off-origin request: ${r.url()}`);
    });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await server?.stop();
    await sink?.close();
  });

  it('signs in, shows a storm on the live chart and in the identities table, and quarantines, releases and resumes', async () => {
    // A paused identity: 20 sends through the relay, 3 hard bounces back to their VERP addresses (15 %).
    const a = await server.createOrg('bouncing');
    const bouncy = await server.createInbox(a.key, 'bouncy');
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await server.api('POST', `/v1/inboxes/${bouncy.id}/messages`, {
        key: a.key, body: { to: [`user${i}@example.org`], subject: `note ${i}`, text: 'hello' }, headers: { 'idempotency-key': randomUUID() },
      });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    await server.until(async () => (await operator('GET', '/v1/admin/messages?status=sent&limit=100')).body.data.length >= 20, 30_000);
    const sent = (await operator('GET', '/v1/admin/messages?status=sent&limit=100')).body.data as Array<{ id: string; to: string[] }>;
    for (const m of sent.filter((x) => ids.includes(x.id)).slice(0, 3)) {
      const original = sink.messages.find((s) => s.from === `bounces+${m.id.toLowerCase()}@agents.localhost`)!;
      await sendDsn(server.smtpPort, original.from, dsn({ originalMessageId: original.messageId!, to: bouncy.address, recipients: [{ address: m.to[0]!, status: '5.1.1' }] }));
    }
    const stateOf = async (id: string) => (await operator('GET', '/v1/admin/inboxes')).body.data.find((r: { id: string }) => r.id === id)?.reputation.state;
    await server.until(async () => (await stateOf(bouncy.id)) === 'paused', 20_000);

    // Sign in: the token goes to POST /dashboard/login once; the page keeps only a cookie it cannot read.
    await page.goto(`${server.url}/dashboard`);
    await page.fill('#token', server.operatorToken);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#main-view:not([hidden])');
    await page.waitForSelector('#stream-status[data-state="live"]');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'bw_dashboard')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.evaluate(() => JSON.stringify(sessionStorage))).not.toContain(server.operatorToken);

    // The storm: one key on one inbox, far past its 20/s bucket, half of it the same send again and
    // again (a retry loop: loop_detected, then the key's outbound lane quarantined). The loop half
    // is refused however slowly a loaded machine lets the requests through.
    const b = await server.createOrg('storming');
    const looper = await server.createInbox(b.key, 'looper');
    const storm = await Promise.all(Array.from({ length: 300 }, (_, i) => server.api('POST', `/v1/inboxes/${looper.id}/messages`, {
      key: b.key, headers: { 'idempotency-key': randomUUID() },
      body: i % 2 ? { to: ['same@example.net'], subject: 'again', text: 'retry' } : { to: [`x${i}@example.net`], subject: `again ${i}`, text: 'retry' },
    })));
    const refused = storm.filter((r) => r.status === 429 || r.status === 403).length;
    expect(refused).toBeGreaterThan(100);

    // The chart plots it (deltas of the streamed totals), by reason.
    await page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('#chart-outbound')!.dataset.rejected) >= n, refused, { timeout: 15_000 });
    const chart = await page.$eval('#chart-outbound', (el) => ({ ...(el as HTMLElement).dataset }));
    const reasons = JSON.parse(chart.reasons!) as Record<string, number>;
    expect(Object.values(reasons).reduce((x, y) => x + y, 0)).toBe(refused);
    expect(reasons.loop_detected).toBeGreaterThan(0);
    expect(await page.locator('#chart-outbound canvas').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#lane-outbound .reasons li[data-reason="loop_detected"]').count()).toBe(1);

    // The identities table leads with the storming inbox; top keys and anomalies name its key.
    const row = page.locator(`#identities tr[data-inbox-id="${looper.id}"]`);
    await page.waitForFunction((id) => Number(document.querySelector<HTMLElement>(`#identities tr[data-inbox-id="${id}"]`)?.dataset.rejected ?? 0) > 0, looper.id, { timeout: 15_000 });
    expect(await page.locator('#identities tbody tr').first().getAttribute('data-inbox-id')).toBe(looper.id);
    expect(Number(await row.getAttribute('data-rejected'))).toBe(refused);
    await expect.poll(() => page.locator('#anomalies .badge.loop').count()).toBeGreaterThan(0);
    expect(await page.locator('#talkers tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator(`#identities tr[data-inbox-id="${bouncy.id}"]`).getAttribute('data-state')).toBe('paused');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    // Quarantine the storming inbox from its row, then release it from the quarantine list.
    await row.locator('button[data-action="quarantine"]').click();
    await page.waitForSelector('#action-result[data-status="201"]');
    const entry = page.locator(`#quarantine tr[data-target="${looper.id}"]`);
    await entry.waitFor();
    const ofLooper = async () => (await operator('GET', '/v1/quarantine')).body.data.filter((q: { target: string }) => q.target === looper.id);
    expect(await ofLooper()).toMatchObject([{ kind: 'inbox', target: looper.id, lane: 'outbound', source: 'operator' }]);
    await entry.locator('button[data-action="release"]').click();
    await page.waitForSelector('#action-result[data-status="200"]');
    await entry.waitFor({ state: 'detached' });
    expect(await ofLooper()).toEqual([]);

    // Resume the paused inbox: the answer is shown, and the row turns to warning.
    await page.locator(`#identities tr[data-inbox-id="${bouncy.id}"] button[data-action="resume"]`).click();
    await page.waitForSelector(`#action-result[data-action="resume ${bouncy.id}"][data-status="200"]`);
    await page.waitForSelector(`#identities tr[data-inbox-id="${bouncy.id}"][data-state="warning"]`);
    expect((await server.api('GET', `/v1/inboxes/${bouncy.id}/reputation`, { key: a.key })).body.state).toBe('warning');

    // The same story in /metrics: SMTP, deliveries per domain, identities per state; no ids as labels.
    const metrics = (await operator('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/breakwater_smtp_total\{stage="data",result="accepted"\} 3/);
    expect(metrics).toMatch(/breakwater_smtp_total\{stage="session",result="delivered"\} 3/);
    expect(metrics).toMatch(/breakwater_deliveries_total\{result="sent",domain="example.org"\} 20/);
    expect(metrics).toMatch(/breakwater_identities\{state="warning"\} 1/);
    expect(metrics).toMatch(/breakwater_http_requests_total\{lane="outbound",route="POST \/v1\/inboxes\/:id\/messages",status="429",code="loop_detected"\} \d+/);
    expect(metrics).toMatch(/breakwater_edge_decisions_total\{gate="loop",rule="loop",decision="denied"\} \d+/);
    expect(metrics).not.toMatch(/(key|inb|org|msg)_[0-9A-Z]{26}/);

    expect(errors).toEqual([]);
  }, 180_000);
});
