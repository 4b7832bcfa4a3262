import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/runtime/node/config.ts';
import { TestServer } from '../helpers/server.ts';
import { RawSmtp, type SmtpReply } from './raw-smtp.ts';

const COMMAND_MS = 1000;
const IDLE_MS = 1500;
const SESSION_MS = 3000;
const PER_ADDRESS = 2;
const MAX_CLIENTS = 6;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Slow sessions and connection floods against a real MX with short limits. Each test speaks
 * from its own loopback source address (127.0.0.x), so one test's sessions never count
 * against another's per-address cap.
 */
describe('SMTP session limits (timeouts and connection caps)', () => {
  let server: TestServer;
  let key: string;
  let inbox: { id: string; address: string };
  const open = (from: string) => RawSmtp.open(server.smtpPort, '127.0.0.1', from);

  /** Waits for the server's 421 and its close; returns the reply and when it came. */
  async function closedWith(smtp: RawSmtp, started: number): Promise<{ reply: SmtpReply; ms: number }> {
    const reply = await smtp.reply(SESSION_MS + 3000);
    const ms = Date.now() - started;
    expect(await smtp.waitClosed()).toBe(true);
    return { reply, ms };
  }

  beforeAll(async () => {
    server = await TestServer.start({
      env: {
        BREAKWATER_SMTP_COMMAND_TIMEOUT_MS: String(COMMAND_MS),
        BREAKWATER_SMTP_IDLE_TIMEOUT_MS: String(IDLE_MS),
        BREAKWATER_SMTP_SESSION_TIMEOUT_MS: String(SESSION_MS),
        BREAKWATER_SMTP_MAX_CLIENTS_PER_ADDRESS: String(PER_ADDRESS),
        BREAKWATER_SMTP_MAX_CLIENTS: String(MAX_CLIENTS),
      },
    });
    ({ key } = await server.createOrg('smtp-limits'));
    inbox = await server.createInbox(key, 'limits-target');
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe('slow sessions', () => {
    it('a slowloris client (one byte every 300 ms, never a whole line) gets 421 4.4.2 at the command deadline', async () => {
      const { smtp } = await open('127.0.0.11');
      const started = Date.now();
      let stop = false;
      // Each byte resets the idle timer; only the command deadline catches this.
      void (async () => { for (const b of 'EHLO slow.example.net') { if (stop || smtp.closed) return; await smtp.write(b).catch(() => {}); await sleep(300); } })();
      try {
        const { reply, ms } = await closedWith(smtp, started);
        expect(reply).toMatchObject({ code: 421, text: expect.stringMatching(/^4\.4\.2 command not completed in time/) });
        expect(ms).toBeGreaterThanOrEqual(COMMAND_MS - 100);
        expect(ms).toBeLessThan(COMMAND_MS + 1000);
      } finally {
        stop = true;
        smtp.close();
      }
    });

    it('a client that keeps talking (NOOP every 300 ms) is closed with 421 4.4.2 at the session deadline', async () => {
      const { smtp } = await open('127.0.0.12');
      const started = Date.now();
      try {
        for (;;) {
          const r = await smtp.command('NOOP');
          if (r.code !== 250) {
            expect(r).toMatchObject({ code: 421, text: expect.stringMatching(/^4\.4\.2 session time limit reached/) });
            break;
          }
          await sleep(300);
        }
        const ms = Date.now() - started;
        expect(ms).toBeGreaterThanOrEqual(SESSION_MS - 400);
        expect(ms).toBeLessThan(SESSION_MS + 1000);
        expect(await smtp.waitClosed()).toBe(true);
      } finally {
        smtp.close();
      }
    });

    it('a message trickled in after DATA is cut at the session deadline and not stored', async () => {
      const { smtp } = await open('127.0.0.13');
      const started = Date.now();
      let stop = false;
      try {
        await smtp.command('EHLO client.example.net');
        await smtp.command('MAIL FROM:<sender@example.net>');
        expect((await smtp.command(`RCPT TO:<${inbox.address}>`)).code).toBe(250);
        expect((await smtp.command('DATA')).code).toBe(354);
        const message = `Subject: trickle\r\nMessage-ID: <trickle-${Date.now()}@example.net>\r\n\r\n${'x'.repeat(200)}`;
        void (async () => { for (const b of message) { if (stop || smtp.closed) return; await smtp.write(b).catch(() => {}); await sleep(200); } })();
        const { reply, ms } = await closedWith(smtp, started);
        expect(reply).toMatchObject({ code: 421, text: expect.stringMatching(/^4\.4\.2 session time limit/) });
        expect(ms).toBeLessThan(SESSION_MS + 1000);
      } finally {
        stop = true;
        smtp.close();
      }
      const res = await server.api('GET', `/v1/inboxes/${inbox.id}/messages?direction=inbound`, { key });
      expect(res.body.data).toEqual([]);
    });

    it('a silent client is closed with 421 4.4.2 after the command deadline', async () => {
      const { smtp, greeting } = await open('127.0.0.14');
      expect(greeting.code).toBe(220);
      const started = Date.now();
      try {
        const { reply, ms } = await closedWith(smtp, started);
        expect(reply.code).toBe(421);
        expect(reply.text).toMatch(/^4\.4\.2 /);
        expect(ms).toBeLessThan(IDLE_MS + 500);
      } finally {
        smtp.close();
      }
    });
  });

  describe('connection caps', () => {
    it(`a ${PER_ADDRESS + 1}th connection from one address gets 421 4.7.0; other addresses are unaffected; a freed slot is reused`, async () => {
      const held: RawSmtp[] = [];
      try {
        // At once: the command deadline (1 s) runs from each greeting.
        const first = await Promise.all(Array.from({ length: PER_ADDRESS }, () => open('127.0.0.21')));
        held.push(...first.map((o) => o.smtp));
        expect(first.map((o) => o.greeting.code)).toEqual(Array(PER_ADDRESS).fill(220));
        const { smtp: over, greeting: refused } = await open('127.0.0.21');
        held.push(over);
        expect(refused).toMatchObject({ code: 421, text: expect.stringMatching(/^4\.7\.0 too many connections from your address/) });
        expect(await over.waitClosed()).toBe(true);

        const { smtp: other, greeting } = await open('127.0.0.22');
        held.push(other);
        expect(greeting.code).toBe(220);

        expect((await held[0]!.command('QUIT')).code).toBe(221);
        await held[0]!.waitClosed();
        const again = await server.until(async () => {
          const { smtp, greeting: g } = await open('127.0.0.21');
          held.push(smtp);
          return g.code === 220;
        }, 3000);
        expect(again).toBe(true);
      } finally {
        for (const s of held) s.close();
      }
    });

    it(`past ${MAX_CLIENTS} sessions in all, the next one gets 421 4.7.0`, async () => {
      const held: RawSmtp[] = [];
      try {
        // Let the sessions of the test above go.
        await sleep(300);
        const all = await Promise.all(Array.from({ length: MAX_CLIENTS }, (_, i) => open(`127.0.0.${31 + Math.floor(i / PER_ADDRESS)}`)));
        held.push(...all.map((o) => o.smtp));
        expect(all.map((o) => o.greeting.code)).toEqual(Array(MAX_CLIENTS).fill(220));
        const { smtp, greeting } = await open('127.0.0.40');
        held.push(smtp);
        expect(greeting).toMatchObject({ code: 421, text: expect.stringMatching(/^4\.7\.0 too many connections; try again later/) });
      } finally {
        for (const s of held) s.close();
      }
    });
  });

  it('bad limits stop the start with one line naming the variable', () => {
    expect(() => loadConfig({ BREAKWATER_SMTP_COMMAND_TIMEOUT_MS: '5' })).toThrow('BREAKWATER_SMTP_COMMAND_TIMEOUT_MS: must be at least 100 (got "5")');
    expect(() => loadConfig({ BREAKWATER_SMTP_MAX_CLIENTS_PER_ADDRESS: 'many' })).toThrow(/^BREAKWATER_SMTP_MAX_CLIENTS_PER_ADDRESS: must be a number/);
  });
});
