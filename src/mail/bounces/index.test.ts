import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyFileResult } from './cli-format.ts';
import { parseReport } from './index.ts';

const crlf = (s: string): string => s.replace(/\r?\n/g, '\r\n');

const DSN = crlf(`From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: bounces+t0k3n@agents.example.com
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

This is the mail system at host mx.example.net.

<gone@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1
    <gone@example.org>: Recipient address rejected: User unknown (in reply to
    RCPT TO command)

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Original-Envelope-Id: env-42

Final-Recipient: rfc822; gone@example.org
Original-Recipient: rfc822;Gone@Example.org
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address
    rejected: User unknown (in reply to RCPT TO command)

Final-Recipient: rfc822; full@example.org
Action: delayed
Status: 4.2.2
Diagnostic-Code: smtp; 452 4.2.2 Mailbox full

Final-Recipient: rfc822; fine@example.org
Action: relayed
Status: 2.0.0

--B
Content-Type: text/rfc822-headers

From: agent-7@agents.example.com
To: gone@example.org, full@example.org, fine@example.org
Subject: hello
Message-ID: <msg-1@agents.example.com>

--B--
`);

const ARF = crlf(`From: feedback@fbl.example.net
To: abuse@agents.example.com
Subject: complaint
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F"

--F
Content-Type: text/plain

This is an abuse report.

--F
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Original-Rcpt-To: <Reader@Example.net>
Source-IP: 192.0.2.9

--F
Content-Type: message/rfc822

From: agent-7@agents.example.com
To: reader@example.net
Message-ID: <msg-2@agents.example.com>
Subject: offer

hi
--F--
`);

describe('parseReport', () => {
  it('reads an RFC 3464 DSN: failed and delayed recipients, not the relayed one', async () => {
    const report = await parseReport(DSN);
    expect(report).toEqual({
      kind: 'bounce',
      originalMessageId: '<msg-1@agents.example.com>',
      originalEnvelopeId: 'env-42',
      recipients: [
        expect.objectContaining({ recipient: 'gone@example.org', hard: true, reason: 'user_unknown', status: '5.1.1', action: 'failed', remoteMta: 'mx.example.org' }),
        expect.objectContaining({ recipient: 'full@example.org', hard: false, reason: 'mailbox_full', status: '4.2.2', action: 'delayed' }),
      ],
    });
  });

  it('gives the same answer for bytes and for a string', async () => {
    expect(await parseReport(new TextEncoder().encode(DSN))).toEqual(await parseReport(DSN));
  });

  it('answers null for a success-only DSN', async () => {
    const success = DSN.replace(/Action: failed/, 'Action: delivered').replace(/Action: delayed/, 'Action: expanded');
    expect(await parseReport(success)).toBeNull();
  });

  it('reads an ARF complaint', async () => {
    expect(await parseReport(ARF)).toEqual({
      kind: 'complaint',
      feedbackType: 'abuse',
      recipients: ['reader@example.net'],
      originalMessageId: '<msg-2@agents.example.com>',
      userAgent: 'ExampleFBL/1.0',
      sourceIp: '192.0.2.9',
    });
  });

  it('reads an RFC 6591 DMARC failure report as an auth-failure complaint', async () => {
    const report = await parseReport(ARF.replace('Feedback-Type: abuse', 'Feedback-Type: auth-failure\r\nAuth-Failure: dmarc'));
    expect(report).toMatchObject({ kind: 'complaint', feedbackType: 'auth-failure' });
  });

  it('reads a qmail text bounce', async () => {
    const qmail = crlf(`From: MAILER-DAEMON@mx.example.net
To: bounces+t0k3n@agents.example.com
Subject: failure notice

Hi. This is the qmail-send program at mx.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<nobody@example.org>:
Sorry, I couldn't find any host named example.org. (#5.1.2)

--- Below this line is a copy of the message.

From: agent-7@agents.example.com
To: nobody@example.org
Message-ID: <msg-3@agents.example.com>
`);
    expect(await parseReport(qmail)).toMatchObject({
      kind: 'bounce',
      originalMessageId: '<msg-3@agents.example.com>',
      recipients: [{ recipient: 'nobody@example.org', hard: true, reason: 'domain_not_found', status: '5.1.2', action: 'failed' }],
    });
  });

  it('reads an Amazon SES bounce notification', async () => {
    const ses = JSON.stringify({
      notificationType: 'Bounce',
      bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: 'gone@example.org', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }] },
      mail: { commonHeaders: { messageId: 'msg-4@agents.example.com' } },
    });
    const report = await parseReport(`From: no-reply@sns.amazonaws.com\r\nSubject: AWS Notification Message\r\n\r\n${ses}\r\n`);
    expect(report).toMatchObject({ kind: 'bounce', originalMessageId: '<msg-4@agents.example.com>', recipients: [{ recipient: 'gone@example.org', hard: true }] });
    const noEmail = ses.replace('"General"', '"NoEmail"').replace(/,"status":"5.1.1","diagnosticCode":"[^"]*"/, '');
    const transient = ses.replace('"Permanent"', '"Transient"');
    const parse = async (json: string) => parseReport(`From: no-reply@sns.amazonaws.com\r\n\r\n${json}\r\n`);
    expect(await parse(noEmail)).toMatchObject({ recipients: [{ reason: 'user_unknown', hard: true, status: null }] });
    expect(await parse(transient)).toMatchObject({ recipients: [{ hard: false }] });
  });

  it.each([
    ['a vacation reply', 'From: reader@example.net\r\nAuto-Submitted: auto-replied\r\nSubject: Away until May 5\r\n\r\nI am away.\r\n'],
    ['an out-of-office without headers', 'From: reader@example.net\r\nSubject: Out of Office: hello\r\n\r\nUndeliverable? No, just away.\r\n'],
    ['a challenge-response request', 'From: reader@example.net\r\nSubject: Please confirm your message\r\n\r\nClick to verify you are human.\r\n'],
    ['ordinary mail', 'From: reader@example.net\r\nSubject: lunch?\r\n\r\nno such user joke\r\n'],
    ['empty input', ''],
    ['binary noise', new Uint8Array([0, 255, 13, 10, 13, 10, 1, 2, 3])],
  ])('answers null for %s', async (_name, raw) => {
    expect(await parseReport(raw)).toBeNull();
  });

  it('parses a typical DSN well under 5 ms', async () => {
    for (let i = 0; i < 20; i++) await parseReport(DSN); // warm the JIT
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      await parseReport(DSN);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    expect(times[50]!).toBeLessThan(5);
  });
});

describe('classifyFileResult', () => {
  it('gives one row per bounced recipient, none for a complaint or null', async () => {
    expect(classifyFileResult('a.eml', await parseReport(DSN))).toEqual([
      { file: 'a.eml', recipient: 'gone@example.org', hard: true, reason: 'user_unknown', status: '5.1.1' },
      { file: 'a.eml', recipient: 'full@example.org', hard: false, reason: 'mailbox_full', status: '4.2.2' },
    ]);
    expect(classifyFileResult('b.eml', await parseReport(ARF))).toEqual([]);
    expect(classifyFileResult('c.eml', null)).toEqual([]);
  });
});

describe('regression fixtures (test/fixtures/bounces)', () => {
  const dir = path.resolve(process.cwd(), 'test/fixtures/bounces');
  const read = async (name: string) => parseReport(new Uint8Array(readFileSync(path.join(dir, name))));

  it('has provenance for every fixture', () => {
    const listed = readFileSync(path.join(dir, 'manifest.tsv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split('\t')[0]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.eml')).sort()).toEqual([...listed].sort());
  });

  it('reads Exim bounces although they say auto-replied', async () => {
    const r = await read('exim-auto-replied-with-x-failed-recipients.eml');
    expect(r?.kind === 'bounce' && r.recipients.map((x) => [x.recipient, x.hard])).toEqual([
      ['kijitora@example.jp', true],
      ['sabatora@example.jp', true],
    ]);
  });

  it('treats doubled DSN lines as one recipient, named as the sender wrote it', async () => {
    const r = await read('dsn-duplicated-fields-and-original-recipient.eml');
    expect(r).toMatchObject({ kind: 'bounce', recipients: [{ recipient: 'neko@example.co.jp', reason: 'authentication_failed', hard: false }] });
  });

  it('does not suppress when the prose contradicts the fields', async () => {
    const r = await read('dsn-prose-says-disk-full-fields-say-5.1.1.eml');
    expect(r).toMatchObject({ kind: 'bounce', recipients: [{ recipient: 'userunknown@bouncehammer.jp', hard: false }] });
  });

  it('takes the recipient from the returned message when the DSN names none', async () => {
    const r = await read('dsn-without-recipient-fields.eml');
    expect(r).toMatchObject({ kind: 'bounce', originalMessageId: '<1576501935.xxxx@xxxx.fr>', recipients: [{ recipient: 'xxxx@wanadoo.fr', hard: false }] });
  });

  it('reads the fields of a report whose multipart boundary is missing', async () => {
    const r = await read('report-with-broken-multipart-boundary.eml');
    expect(r?.kind === 'bounce' && r.recipients.map((x) => x.recipient)).toEqual(['sabineko@example.org', 'mikeneko@example.org']);
  });

  it('reads SNS-wrapped SES JSON', async () => {
    expect(await read('ses-sns-json-wrapped-lines.eml')).toMatchObject({ kind: 'complaint', feedbackType: 'abuse', recipients: ['complaint@simulator.amazonses.com'] });
  });

  it('keeps a user-unknown reply to DATA soft', async () => {
    expect(await read('user-unknown-after-data-is-soft.eml')).toMatchObject({ recipients: [{ reason: 'user_unknown', hard: false }] });
  });

  it('reads a JMRP complaint', async () => {
    expect(await read('jmrp-complaint-without-arf-part.eml')).toMatchObject({ kind: 'complaint', feedbackType: 'abuse', recipients: ['kijitora@example.com'] });
  });
});

describe('runtime neutrality', () => {
  it('uses no Node-only API outside tests (the code also runs on Workers)', () => {
    const dir = path.dirname(new URL(import.meta.url).pathname);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const code = readFileSync(path.join(dir, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(code, file).not.toMatch(/from ['"]node:|\bBuffer\b|\bprocess\b/);
    }
  });
});
