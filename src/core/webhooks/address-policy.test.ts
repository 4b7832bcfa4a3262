import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it, vi } from 'vitest';
import { StaticResolver } from '../../adapters/resolver/static/static-resolver.ts';
import { type AddressClass, checkWebhookUrl, classifyAddress } from './address-policy.ts';

describe('classifyAddress', () => {
  it.each<[string, AddressClass]>([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['169.254.1.1', 'link_local'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['fd00::1', 'unique_local'],
    ['fc00::1', 'unique_local'],
    ['fec0::1', 'private'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['3fff::1', 'reserved'],
    ['100::1', 'reserved'],
    ['2001:2::1', 'reserved'],
    ['4000::1', 'reserved'],
    // IPv4 inside IPv6: mapped (both spellings), NAT64, 6to4, Teredo, IPv4-compatible.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:93.184.216.34', 'public'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::10.1.2.3', 'private'],
    ['64:ff9b::93.184.216.34', 'public'],
    ['64:ff9b:1::a00:1', 'private'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:a9fe:a9fe::', 'metadata'],
    ['2002:5db8:d822::1', 'public'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'], // RFC 4380 example: client 192.0.2.45
    ['2001:0:1:2::80ff:fffe', 'loopback'], // Teredo client 127.0.0.1
    ['::127.0.0.1', 'loopback'],
    ['::93.184.216.34', 'reserved'],
    // Public.
    ['93.184.216.34', 'public'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['198.20.0.1', 'public'],
    ['2606:2800:220:1:248:1893:25c8:1946', 'public'],
    ['2001:4860:4860::8888', 'public'],
    // Not an address, or an ambiguous spelling: fail closed.
    ['example.com', 'reserved'],
    ['', 'reserved'],
    ['127.1', 'reserved'],
    ['0x7f.0.0.1', 'reserved'],
    ['010.0.0.1', 'reserved'],
    ['2130706433', 'reserved'],
    ['1.2.3.256', 'reserved'],
    ['::ffff:010.0.0.1', 'reserved'],
    ['[::1]', 'reserved'],
  ])('%s is %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));

  it('agrees with ipaddr.js on which IPv4 addresses are public', () => {
    // ipaddr.js ranges that are globally reachable; all others are special purpose.
    const publicRanges = new Set(['unicast', 'as112', 'amt']);
    fc.assert(fc.property(ipv4, (ip) => {
      expect(classifyAddress(ip) === 'public').toBe(publicRanges.has(ipaddr.parse(ip).range()));
    }), { numRuns: 5000 });
  });

  it('classifies IPv4-mapped and NAT64 forms as the IPv4 address inside', () => {
    fc.assert(fc.property(ipv4, (ip) => {
      const hex = ipaddr.IPv4.parse(ip).toIPv4MappedAddress().toString();
      expect(classifyAddress(`::ffff:${ip}`)).toBe(classifyAddress(ip));
      expect(classifyAddress(hex)).toBe(classifyAddress(ip));
      expect(classifyAddress(`64:ff9b::${ip}`)).toBe(classifyAddress(ip));
    }), { numRuns: 2000 });
  });
});

describe('checkWebhookUrl', () => {
  const resolver = new StaticResolver({
    hosts: {
      'loop.test': ['127.0.0.1'],
      'mixed.test': ['93.184.216.34', '10.0.0.5'],
      'public.test': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
      'meta.test': ['169.254.169.254'],
      'mapped.test': ['::ffff:127.0.0.1'],
      localhost: ['127.0.0.1', '::1'],
    },
    failing: ['broken.test'],
  });
  const resolve = (host: string) => resolver.resolveHost(host);
  const check = (url: string, allowPrivate = false) => checkWebhookUrl(url, resolve, { allowPrivate });

  it.each([
    'http://127.0.0.1/',
    'http://[::1]/',
    'http://10.0.0.1/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0.0.0.0/',
    'http://100.64.0.1/',
    'http://[fd00::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[fd00:ec2::254]/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://0177.0.0.1/',
    'http://127.1:8080/',
    'https://loop.test/hook',
    'https://mixed.test/hook',
    'https://meta.test/hook',
    'https://mapped.test/hook',
    'http://localhost:3000/',
    'http://LOCALHOST./',
    'http://app.localhost/',
  ])('refuses %s', async (url) => {
    const result = await check(url);
    expect(result).toMatchObject({ ok: false, code: 'address_not_allowed' });
  });

  it.each([
    ['ftp://example.com/', 'scheme_not_allowed'],
    ['file:///etc/passwd', 'scheme_not_allowed'],
    ['gopher://127.0.0.1:25/', 'scheme_not_allowed'],
    ['javascript:alert(1)', 'scheme_not_allowed'],
    ['http://user:pw@example.com/', 'credentials_not_allowed'],
    ['https://user@public.test/', 'credentials_not_allowed'],
    ['not a url', 'invalid_url'],
    ['', 'invalid_url'],
    ['http://', 'invalid_url'],
    ['/relative/path', 'invalid_url'],
    ['http://broken.test/', 'unresolvable'],
    ['http://nowhere.test/', 'unresolvable'],
  ])('refuses %s as %s', async (url, code) => {
    const result = await check(url);
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.detail).not.toBe('');
  });

  it.each([
    ['https://93.184.216.34/hook', ['93.184.216.34']],
    ['http://[2606:2800:220:1:248:1893:25c8:1946]:8443/x', ['2606:2800:220:1:248:1893:25c8:1946']],
    ['https://public.test/hooks?x=1', ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']],
  ])('allows %s and returns the addresses to connect to', async (url, addresses) => {
    const result = await check(url);
    expect(result).toMatchObject({ ok: true, addresses });
    if (result.ok) expect(result.url.href).toBe(new URL(url).href);
  });

  it('classifies IP literals without asking the resolver', async () => {
    const spy = vi.fn(resolve);
    await checkWebhookUrl('http://2130706433/', spy, { allowPrivate: false });
    await checkWebhookUrl('https://[2606:2800:220:1:248:1893:25c8:1946]/', spy, { allowPrivate: false });
    expect(spy).not.toHaveBeenCalled();
  });

  describe('with allowPrivate (tests, local development)', () => {
    it.each(['http://127.0.0.1:3000/hook', 'http://[::1]/', 'https://loop.test/', 'https://mixed.test/', 'http://localhost:8787/'])(
      'lets %s through',
      async (url) => {
        expect((await check(url, true)).ok).toBe(true);
      },
    );

    it('still returns the resolved addresses', async () => {
      expect(await check('http://localhost/', true)).toMatchObject({ ok: true, addresses: ['127.0.0.1', '::1'] });
    });

    it.each(['http://169.254.169.254/', 'http://[fd00:ec2::254]/', 'https://meta.test/'])('still refuses the metadata service %s', async (url) => {
      expect(await check(url, true)).toMatchObject({ ok: false, code: 'address_not_allowed' });
    });

    it('still refuses bad schemes and credentials', async () => {
      expect(await check('ftp://127.0.0.1/', true)).toMatchObject({ ok: false, code: 'scheme_not_allowed' });
      expect(await check('http://a:b@127.0.0.1/', true)).toMatchObject({ ok: false, code: 'credentials_not_allowed' });
    });
  });
});
