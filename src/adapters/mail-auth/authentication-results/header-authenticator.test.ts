import { describe, expect, it } from 'vitest';
import { HeaderAuthenticator, parseAuthenticationResults, topmostHeader } from './header-authenticator.ts';

const raw = (headers: string) => new TextEncoder().encode(`${headers}\r\nFrom: a@sender.example\r\nSubject: x\r\n\r\nAuthentication-Results: mx.cloudflare.net; dmarc=pass\r\n`);
const input = (headers: string) => ({ raw: raw(headers), ip: '', helo: null, mailFrom: 'a@sender.example' });
const auth = new HeaderAuthenticator({ authservId: 'mx.cloudflare.net' });

describe('HeaderAuthenticator', () => {
  it('reads the verdicts of the topmost header when it names our MX, folded and with comments', async () => {
    const v = await auth.verify(input([
      'Authentication-Results: mx.cloudflare.net;',
      '\tdkim=pass (2048-bit key) header.d=sender.example header.i=@sender.example;',
      '\tdkim=fail header.d=other.example; spf=pass (mx.cloudflare.net: domain of a@sender.example designates 1.2.3.4 as permitted sender) smtp.mailfrom=a@sender.example;',
      '\tdmarc=pass header.from=Sender.Example policy.dmarc=reject',
      'Authentication-Results: mx.cloudflare.net; dmarc=fail',
    ].join('\r\n')));
    expect(v).toEqual({ spf: 'pass', dkim: 'pass', dmarc: 'pass', arc: 'none', fromDomain: 'sender.example' });
  });

  it('ignores a header below the topmost one: a sender cannot vouch for itself under our MX', async () => {
    const v = await auth.verify(input('Authentication-Results: other-mx.example; dmarc=fail\r\nAuthentication-Results: mx.cloudflare.net; spf=pass; dkim=pass; dmarc=pass'));
    expect(v).toMatchObject({ dmarc: 'temperror', spf: 'temperror', dkim: 'temperror' });
  });

  it('answers temperror without any header, and never looks into the body', async () => {
    expect(await auth.verify(input('Received: from x by y'))).toMatchObject({ dmarc: 'temperror' });
  });

  it('maps hardfail to fail and unknown results to neutral, never to pass', () => {
    expect(parseAuthenticationResults('mx 1; spf=hardfail; dkim=weird; dmarc=none')!.results).toEqual([
      { method: 'spf', result: 'fail' }, { method: 'dkim', result: 'neutral' }, { method: 'dmarc', result: 'none' },
    ]);
    expect(parseAuthenticationResults('mx (comment; spf=pass) ; spf=fail')!.results).toEqual([{ method: 'spf', result: 'fail' }]);
  });

  it('finds a header case-insensitively in the header block only', () => {
    expect(topmostHeader(raw('AUTHENTICATION-RESULTS: a; spf=pass'), 'authentication-results')).toBe('a; spf=pass');
    expect(topmostHeader(raw('X-Other: 1'), 'authentication-results')).toBeNull();
  });
});
