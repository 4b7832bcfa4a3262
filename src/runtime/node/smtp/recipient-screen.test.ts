import { describe, expect, it } from 'vitest';
import { screenRecipient } from './recipient-screen.ts';

const hosted = (d: string) => d === 'agents.localhost';
const screen = (rcpt: string) => screenRecipient(rcpt, hosted, 'agents.localhost');

describe('screenRecipient (relay tricks)', () => {
  it.each([
    ['user%other.example@agents.localhost', 'the percent hack'],
    ['other.example!user@agents.localhost', 'a bang path'],
    ['"user@other.example"@agents.localhost', 'a quoted local part hiding an address'],
    ['"user%other.example"@agents.localhost', 'a quoted percent hack'],
    ['"@other.example:user"@agents.localhost', 'a quoted source route'],
    ['user@[127.0.0.1]', 'an IPv4 address literal'],
    ['user@[IPv6:::1]', 'an IPv6 address literal'],
    ['user@other.example', 'a foreign domain'],
    ['user@agents.localhost.evil.example', 'a hosted name as a prefix'],
    ['user@sub.agents.localhost', 'a subdomain of a hosted domain'],
  ])('%s (%s) is relay_denied', (rcpt) => {
    expect(screen(rcpt)).toEqual({ ok: false, refusal: 'relay_denied' });
  });

  it('a quoted dot-atom is the same mailbox unquoted; a quoted string with spaces is refused', () => {
    expect(screen('"agent.one"@agents.localhost')).toEqual({ ok: true, address: 'agent.one@agents.localhost' });
    expect(screen('"agent one"@agents.localhost')).toEqual({ ok: false, refusal: 'bad_address' });
  });

  it('lowercases the domain, keeps the local part, and routes the domainless postmaster', () => {
    expect(screen('Agent@Agents.LOCALHOST')).toEqual({ ok: true, address: 'Agent@agents.localhost' });
    expect(screen('PostMaster')).toEqual({ ok: true, address: 'postmaster@agents.localhost' });
    expect(screen('nobody')).toEqual({ ok: false, refusal: 'bad_address' });
  });
});
