import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify, extractReplyCode, extractStatus, HARD_REASONS, reasonFromStatus, reasonFromText } from './classify.ts';

describe('classify: hard means the address is dead', () => {
  it.each([
    ['5.1.1', '550 5.1.1 <a@example.com>... User Unknown'],
    ['5.1.10', "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"],
    ['5.1.2', 'Host or domain name not found'],
    [null, 'host mx.example.com said: 550 no such user (in reply to RCPT TO command)'],
    [null, 'Sorry, I couldn\'t find any host named cx.example.com. (#5.1.2)'],
    [null, 'User some.name (a@example.jp) not listed in Domino Directory'],
  ])('hard: %s %s', (status, diagnostic) => {
    expect(classify({ status, diagnostic, action: 'failed' }).hard).toBe(true);
  });

  it.each([
    ['5.2.2', '552 5.2.2 Mailbox full', 'mailbox_full'],
    ['5.1.1', '550 5.1.1 sorry, mailbox is over quota temporarily', 'mailbox_full'],
    ['5.7.1', '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', 'policy_block'],
    ['5.7.26', '550-5.7.26 Unauthenticated email from example.com is not accepted due to DMARC policy', 'authentication_failed'],
    ['5.3.4', '552 5.3.4 Message size exceeds fixed maximum message size', 'message_too_large'],
    ['5.7.1', '550 5.7.1 Sender address rejected: Domain not found', 'policy_block'],
    ['5.2.1', '550 5.2.1 The email account that you tried to reach is disabled.', 'mailbox_disabled'],
    ['4.4.7', 'Message expired: unable to deliver in 840 minutes', 'expired'],
    ['5.4.1', '550 5.4.1 All recipient addresses rejected : Access denied', 'policy_block'],
    [null, '421 4.7.0 [TSS04] Messages temporarily deferred due to unexpected volume or user complaints', 'rate_limited'],
  ] as const)('soft: %s %s', (status, diagnostic, reason) => {
    const c = classify({ status, diagnostic, action: 'failed' });
    expect(c).toEqual({ reason, hard: false });
  });

  it('keeps an unproven "user unknown" soft: filters say it after DATA', () => {
    expect(classify({ status: '5.0.0', diagnostic: '550 Unknown user a@example.com', action: 'failed' })).toEqual({ reason: 'user_unknown', hard: false });
    const afterData = { status: null, diagnostic: '550 user unknown', action: 'failed' as const, context: 'SMTP error from remote mail server after end of data:' };
    expect(classify(afterData).hard).toBe(false);
    expect(classify({ ...afterData, context: 'SMTP error from remote mail server after RCPT TO:<a@example.com>:' }).hard).toBe(true);
  });

  it('never calls a delayed or transient report hard', () => {
    expect(classify({ status: '5.1.1', diagnostic: 'User unknown', action: 'delayed' }).hard).toBe(false);
    expect(classify({ status: '4.1.1', diagnostic: 'User unknown', action: 'failed' }).hard).toBe(false);
    expect(classify({ status: null, diagnostic: '450 4.2.0 Host not found, try again', action: 'failed' }).hard).toBe(false);
  });

  it('reads names as names: an address or URL path is not a reason', () => {
    expect(reasonFromText('There was an error delivering your mail to <blocked@example.net>.')).toBeNull();
    expect(reasonFromText('553 http://www.spamhaus.org/query/bl?ip=192.0.2.1')).toBe('policy_block');
  });

  it('property: hard implies a dead-address reason, a failed action and a permanent code', () => {
    const statuses = fc.option(fc.tuple(fc.constantFrom('2', '4', '5'), fc.nat(9), fc.nat(30)).map(([c, s, d]) => `${c}.${s}.${d}`));
    const words = fc.constantFrom('user unknown', 'mailbox full', 'blocked', 'no such domain', 'try again later', 'spam', '550', '421', 'RCPT TO', '');
    fc.assert(
      fc.property(statuses, fc.array(words, { maxLength: 5 }), fc.constantFrom('failed', 'delayed', null), (status, parts, action) => {
        const diagnostic = parts.join(' ');
        const c = classify({ status, diagnostic, action });
        if (c.hard) {
          expect(HARD_REASONS.has(c.reason)).toBe(true);
          expect(action).not.toBe('delayed');
          expect(status === null || status.startsWith('5')).toBe(true);
        }
      }),
    );
  });
});

describe('status codes', () => {
  it('finds enhanced and basic codes, not IP addresses', () => {
    expect(extractStatus('host 10.5.1.1 said: 550 5.1.1 <a@b.example> unknown')).toBe('5.1.1');
    expect(extractStatus('connect to 192.0.2.4: timed out')).toBeNull();
    expect(extractStatus('550 #5.1.0 Address rejected.')).toBe('5.1.0');
    expect(extractReplyCode('host mx.example.com [192.0.2.1]: 550-5.7.26 Unauthenticated')).toBe('550');
  });

  it('maps RFC 3463 subjects and RFC 7372 details', () => {
    expect(reasonFromStatus('5.1.1')).toBe('user_unknown');
    expect(reasonFromStatus('5.1.10')).toBe('domain_not_found');
    expect(reasonFromStatus('5.2.2')).toBe('mailbox_full');
    expect(reasonFromStatus('5.7.25')).toBe('policy_block');
    expect(reasonFromStatus('5.7.23')).toBe('authentication_failed');
    expect(reasonFromStatus('4.4.7')).toBe('expired');
    expect(reasonFromStatus('5.0.0')).toBeNull();
  });
});
