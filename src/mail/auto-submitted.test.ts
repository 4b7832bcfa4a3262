import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMail } from './parse.ts';

/** A message with these header lines (From and Subject supplied unless given). */
async function flagged(...lines: string[]): Promise<boolean> {
  const has = (name: string) => lines.some((l) => l.toLowerCase().startsWith(`${name}:`));
  const head = [...(has('from') ? [] : ['From: Person <person@example.net>']), ...(has('subject') ? [] : ['Subject: Re: the plan']), 'To: agent@agents.localhost', ...lines];
  return (await parseMail(new TextEncoder().encode(`${head.join('\r\n')}\r\n\r\nHello.\r\n`))).autoSubmitted;
}

describe('auto_submitted (RFC 3834)', () => {
  it.each([
    ['Auto-Submitted: auto-replied'],
    ['Auto-Submitted: auto-generated'],
    ['Auto-Submitted: auto-notified'],
    ['Auto-Submitted: Auto-Replied; owner-email="boss@example.net"'],
    ['auto-submitted: auto-generated (failure)'],
    ['X-Autoreply: yes'],
    ['X-Autorespond: on'],
    ['Precedence: auto_reply'],
    ['From: Mail Delivery System <MAILER-DAEMON@mx.example.net>'],
    ['From: postmaster@example.net'],
    ['X-Failed-Recipients: someone@example.com'],
    ['Content-Type: multipart/report; report-type=disposition-notification; boundary="b"'],
  ])('is true with %s', async (line) => {
    expect(await flagged(line)).toBe(true);
  });

  it.each([
    [[]],
    [['Auto-Submitted: no']],
    [['Auto-Submitted: No (a person wrote this)']],
    [['Auto-Submitted:']],
    // A subject alone never decides: people write these too, and the agent would ignore them.
    [['Subject: Out of office next week?']],
    [['Subject: Vacation plans']],
    [['Precedence: bulk']],
    [['Content-Type: multipart/mixed; boundary="b"']],
  ])('is false with %j', async (lines) => {
    expect(await flagged(...lines)).toBe(false);
  });

  // Real reports that could reach an inbox (when sent to an agent's own address, not a VERP one).
  const fixtures = [
    ['test/fixtures/bounces', 'exim-auto-replied-with-x-failed-recipients.eml'],
    ['test/fixtures/bounces', 'dsn-without-recipient-fields.eml'],
    ['test/fixtures/bounces', 'report-with-broken-multipart-boundary.eml'],
    ['test/fixtures/bounces', 'user-unknown-after-data-is-soft.eml'],
    ['test/fuzz/corpus/mail', 'mailparser-delivery-status.eml'],
    ['test/fuzz/corpus/mail', 'sisimai-bounce-lhost-exchange2007-01.eml'],
    ['test/fuzz/corpus/mail', 'sisimai-bounce-lhost-qmail-01.eml'],
    ['test/fuzz/corpus/mail', 'sisimai-complaint-arf-01.eml'],
    // Reports that say so only in their body: no header mark, no multipart/report.
    ['test/fixtures/bounces', 'ses-sns-json-wrapped-lines.eml'],
    ['test/fixtures/bounces', 'jmrp-complaint-without-arf-part.eml'],
    ['test/fuzz/corpus/mail', 'sisimai-complaint-arf-22.eml'],
  ];
  it.each(fixtures)('is true for the bounce or report %s/%s', async (dir, file) => {
    expect((await parseMail(new Uint8Array(readFileSync(path.resolve(process.cwd(), dir, file))))).autoSubmitted).toBe(true);
  });

  it.each(['mailparser-mixed.eml', 'mailparser-nested.eml'])('is false for the ordinary message %s', async (file) => {
    expect((await parseMail(new Uint8Array(readFileSync(path.resolve(process.cwd(), 'test/fuzz/corpus/mail', file))))).autoSubmitted).toBe(false);
  });
});
