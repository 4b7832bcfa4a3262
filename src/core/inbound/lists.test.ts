import { describe, expect, it } from 'vitest';
import { addressCandidates, ListIndex, normalizePattern, type ListEntry } from './lists.ts';

const INBOX = 'inb_A';
let n = 0;
function entry(inboxId: string | null, action: 'allow' | 'block', pattern: string, direction: 'inbound' | 'outbound' = 'inbound'): ListEntry {
  return { id: `lst_${++n}`, orgId: 'org_1', inboxId, direction, action, pattern, note: null, createdAt: n };
}

describe('normalizePattern', () => {
  it.each([
    ['Bob@Example.COM', 'bob@example.com', 'address'],
    ['example.com', 'example.com', 'domain'],
    ['Example.com.', 'example.com', 'domain'],
    ['*.example.com', '*.example.com', 'wildcard'],
  ])('%s → %s (%s)', (input, pattern, kind) => {
    expect(normalizePattern(input)).toEqual({ pattern, kind });
  });

  it.each(['*', '*.com', 'com', 'bob@', '@example.com', 'a b.com', '*.*.example.com', 'bob@exa mple.com', 'http://example.com'])('refuses %s', (input) => {
    expect(normalizePattern(input)).toBeNull();
  });
});

describe('addressCandidates: most specific first', () => {
  it('address, address without +tag, domain, wildcards of each parent (no bare TLD)', () => {
    expect(addressCandidates('Bob+News@Mail.Example.co.uk')).toEqual([
      'bob+news@mail.example.co.uk', 'bob@mail.example.co.uk', 'mail.example.co.uk', '*.example.co.uk', '*.co.uk',
    ]);
    expect(addressCandidates('bob@example.com')).toEqual(['bob@example.com', 'example.com']);
    expect(addressCandidates('<>')).toEqual([]);
  });
});

/**
 * The precedence table: inbox + address > inbox + domain > org + address > org + domain; exact
 * domain > longer wildcard > shorter wildcard; block wins a tie; an allow entry makes an allow list.
 */
const TABLE: Array<{ name: string; entries: ListEntry[]; address: string; allowed: boolean; by?: string }> = [
  { name: 'no entries: allowed', entries: [], address: 'x@spam.example', allowed: true },
  { name: 'org domain block', entries: [entry(null, 'block', 'spam.example')], address: 'x@spam.example', allowed: false, by: 'spam.example' },
  {
    name: 'org address allow beats org domain block',
    entries: [entry(null, 'block', 'partner.example'), entry(null, 'allow', 'alice@partner.example')],
    address: 'alice@partner.example', allowed: true, by: 'alice@partner.example',
  },
  {
    name: 'inbox domain allow beats org address block',
    entries: [entry(null, 'block', 'alice@partner.example'), entry(INBOX, 'allow', 'partner.example')],
    address: 'alice@partner.example', allowed: true, by: 'partner.example',
  },
  {
    name: 'inbox address block beats inbox domain allow',
    entries: [entry(INBOX, 'allow', 'partner.example'), entry(INBOX, 'block', 'mallory@partner.example')],
    address: 'mallory@partner.example', allowed: false, by: 'mallory@partner.example',
  },
  {
    name: 'a block of bob@ covers bob+tag@',
    entries: [entry(INBOX, 'block', 'bob@example.org')], address: 'Bob+promo@example.org', allowed: false, by: 'bob@example.org',
  },
  {
    name: 'exact domain beats wildcard',
    entries: [entry(null, 'block', '*.example.net'), entry(null, 'allow', 'mail.example.net')],
    address: 'x@mail.example.net', allowed: true, by: 'mail.example.net',
  },
  {
    name: 'longer wildcard beats shorter',
    entries: [entry(null, 'allow', '*.example.net'), entry(null, 'block', '*.bad.example.net')],
    address: 'x@a.bad.example.net', allowed: false, by: '*.bad.example.net',
  },
  { name: 'a wildcard does not cover its own domain', entries: [entry(null, 'block', '*.example.net')], address: 'x@example.net', allowed: true },
  {
    name: 'tie (same scope and pattern): block wins',
    entries: [entry(INBOX, 'allow', 'dup.example'), entry(INBOX, 'block', 'dup.example')], address: 'x@dup.example', allowed: false, by: 'dup.example',
  },
  { name: 'an inbox allow entry makes an allow list', entries: [entry(INBOX, 'allow', 'partner.example')], address: 'x@other.example', allowed: false },
  { name: 'an org allow entry makes an allow list for every inbox', entries: [entry(null, 'allow', 'partner.example')], address: 'x@other.example', allowed: false },
  { name: 'another inbox’s entries do not apply', entries: [entry('inb_B', 'block', 'spam.example')], address: 'x@spam.example', allowed: true },
  { name: 'outbound entries do not apply inbound', entries: [entry(null, 'block', 'spam.example', 'outbound')], address: 'x@spam.example', allowed: true },
];

describe('ListIndex.decide', () => {
  for (const c of TABLE) {
    it(c.name, () => {
      const d = new ListIndex(c.entries).decide(INBOX, 'inbound', c.address);
      expect(d.allowed).toBe(c.allowed);
      expect(d.entry?.pattern).toBe(c.by);
      if (!d.allowed) expect(d.rule).toMatch(/^inbound /);
    });
  }

  it('names the rule without ids, for SMTP replies to outsiders', () => {
    const d = new ListIndex([entry(INBOX, 'block', '*.spam.example')]).decide(INBOX, 'inbound', 'x@a.spam.example');
    expect(d).toMatchObject({ allowed: false, rule: 'inbound block *.spam.example (inbox list)' });
    const a = new ListIndex([entry(null, 'allow', 'partner.example')]).decide(INBOX, 'inbound', 'x@other.example');
    expect(a).toMatchObject({ allowed: false, entry: null, rule: 'inbound allow list (org list): x@other.example is not on it' });
  });
});
