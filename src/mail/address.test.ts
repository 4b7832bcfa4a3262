import { describe, it, expect } from 'vitest';
import { domainOf, hasHeaderInjection, isValidAddress, localPartOf, normalizeAddress, parseMailbox } from './address.ts';

const VALID = [
  'a@b.com',
  'agent.smith@example.com',
  'first.last+tag@sub.example.co.uk',
  "o'brien@example.ie",
  "x!#$&'*+/=?^_`{|}~-y@example.com",
  'UPPER@EXAMPLE.COM',
  'a-b@my-domain.example',
  'bot@agents.localhost',
  'bot@localhost',
  'bot@LOCALHOST',
  '1234@123.example',
  'user@xn--bcher-kva.example',
  'δοκιμή@παράδειγμα.δοκιμή',
  'jörg@bücher.de',
  '用户@例子.广告',
  `${'a'.repeat(64)}@example.com`,
  `a@${'b'.repeat(63)}.com`,
  `a@${Array(4).fill('c'.repeat(61)).join('.')}.com`, // 4*62 + 3 = 251 octets of domain
];

const INVALID: Array<[string, string]> = [
  ['', 'empty'],
  ['plain', 'no @'],
  ['@example.com', 'empty local part'],
  ['user@', 'empty domain'],
  ['user@a@b.com', 'two @'],
  ['"quoted"@x.com', 'quoted local part'],
  ['"a b"@x.com', 'quoted local part with space'],
  ['a%b@c.com', 'percent hack'],
  ['@route:user@x.com', 'source route'],
  ['@a,@b:user@x.com', 'source route list'],
  ['user@host!x.com', 'bang in domain'],
  ['user@x%y.com', 'percent in domain'],
  ['.user@x.com', 'leading dot'],
  ['user.@x.com', 'trailing dot'],
  ['us..er@x.com', 'double dot'],
  ['user@x..com', 'empty label'],
  ['user@.x.com', 'leading dot in domain'],
  ['user@x.com.', 'trailing dot in domain'],
  ['user@-x.com', 'label starts with hyphen'],
  ['user@x-.com', 'label ends with hyphen'],
  ['user@x_y.com', 'underscore in domain'],
  ['user@example', 'single label'],
  ['user@com', 'single label tld'],
  ['user@127.0.0.1', 'bare IP'],
  ['user@[127.0.0.1]', 'address literal'],
  ['us er@x.com', 'space in local part'],
  [' user@x.com', 'leading space'],
  ['user@x.com ', 'trailing space'],
  ['user@x.com\r\nBcc: victim@y.com', 'CRLF injection'],
  ['user@x.com\nBcc: victim@y.com', 'LF injection'],
  ['user\r@x.com', 'CR in local part'],
  ['user@x.com\0', 'NUL'],
  ['us\ter@x.com', 'tab'],
  ['us\u0007er@x.com', 'bell control'],
  ['us\u0085er@x.com', 'C1 control (NEL)'],
  ['us\u200ber@x.com', 'zero width space'],
  ['us\u2028er@x.com', 'line separator'],
  ['user@ex\u00a0ample.com', 'no-break space in domain'],
  ['user(comment)@x.com', 'comment'],
  ['<user@x.com>', 'angle brackets'],
  ['user@x.com,other@y.com', 'list'],
  ['us;er@x.com', 'semicolon'],
  ['us\\er@x.com', 'backslash'],
  ['us😀er@x.com', 'emoji is not a letter'],
  [`${'a'.repeat(65)}@example.com`, 'local part over 64 octets'],
  [`${'é'.repeat(33)}@example.com`, 'local part over 64 octets in UTF-8'],
  [`a@${'b'.repeat(64)}.com`, 'label over 63 octets'],
  [`a@${Array(5).fill('c'.repeat(60)).join('.')}.com`, 'domain over 253 octets'],
  [`${'a'.repeat(64)}@${Array(4).fill('c'.repeat(50)).join('.')}.com`, 'address over 254 octets'], // 64 + 1 + 207 octets
];

describe('isValidAddress', () => {
  it.each(VALID)('accepts %s', (addr) => {
    expect(isValidAddress(addr)).toBe(true);
  });

  it.each(INVALID)('rejects %j (%s)', (addr) => {
    expect(isValidAddress(addr)).toBe(false);
  });

  it('rejects non-strings without throwing', () => {
    expect(isValidAddress(undefined as unknown as string)).toBe(false);
  });
});

describe('parseMailbox', () => {
  it.each([
    ['a@b.com', null, 'a@b.com'],
    ['  a@b.com  ', null, 'a@b.com'],
    ['<a@b.com>', null, 'a@b.com'],
    ['Agent Smith <smith@example.com>', 'Agent Smith', 'smith@example.com'],
    ['Agent   Smith<smith@example.com>', 'Agent Smith', 'smith@example.com'],
    ['"Smith, Agent" <smith@example.com>', 'Smith, Agent', 'smith@example.com'],
    ['"Say \\"hi\\"" <a@b.com>', 'Say "hi"', 'a@b.com'],
    ['"" <a@b.com>', null, 'a@b.com'],
    ['John Q. Public <jq@example.com>', 'John Q. Public', 'jq@example.com'],
    ['Zoë 🤖 <zoe@agents.localhost>', 'Zoë 🤖', 'zoe@agents.localhost'],
    ['Name < a@B.com >', 'Name', 'a@B.com'],
  ])('parses %j', (input, name, address) => {
    expect(parseMailbox(input)).toEqual({ name, address });
  });

  it.each([
    '',
    'Name',
    'Name <>',
    'Name <a@b.com',
    'Name a@b.com>',
    'Name <user@a@b.com>',
    'Name <"quoted"@x.com>',
    'a@b.com, c@d.com',
    'Smith, Agent <a@b.com>',
    'a@b.com <c@d.com>',
    '"unterminated <a@b.com>',
    '"a" b <a@b.com>',
    'Name <a@b.com>\r\nBcc: victim@y.com',
    'Name\r\n <a@b.com>',
    'Evil\nBcc: x@y.com <a@b.com>',
    '"Evil\r\nBcc: x" <a@b.com>',
    'Name <@route:user@x.com>',
    'Group: a@b.com;',
  ])('rejects %j', (input) => {
    expect(parseMailbox(input)).toBeNull();
  });
});

describe('normalizeAddress, domainOf, localPartOf', () => {
  it('lowercases only the domain and trims', () => {
    expect(normalizeAddress('  John.Doe@Example.COM ')).toBe('John.Doe@example.com');
    expect(normalizeAddress('Jörg@BÜCHER.DE')).toBe('Jörg@bücher.de');
    expect(normalizeAddress('nodomain')).toBe('nodomain');
  });

  it('splits at the last @', () => {
    expect(domainOf('Agent@Agents.Localhost')).toBe('agents.localhost');
    expect(localPartOf('Agent@Agents.Localhost')).toBe('Agent');
    expect(domainOf('nodomain')).toBe('');
    expect(localPartOf('nodomain')).toBe('nodomain');
  });
});

describe('hasHeaderInjection', () => {
  it.each([
    ['plain subject', false],
    ['tab\tis fine', false],
    ['Ünïcode 🤖', false],
    ['a\r\nBcc: x@y.com', true],
    ['a\rb', true],
    ['a\nb', true],
    ['a\0b', true],
  ])('%j → %s', (s, expected) => {
    expect(hasHeaderInjection(s)).toBe(expected);
  });
});
