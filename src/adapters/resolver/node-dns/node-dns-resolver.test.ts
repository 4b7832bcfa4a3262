import * as dns from 'node:dns/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NodeDnsResolver } from './node-dns-resolver.ts';

vi.mock('node:dns/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof dns>();
  return { ...actual, lookup: vi.fn(actual.lookup) };
});

const dnsError = (code: string) => Object.assign(new Error(`query failed: ${code}`), { code });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('NodeDnsResolver', () => {
  it('resolves through getaddrinfo, hosts file included', async () => {
    const addresses = await new NodeDnsResolver().resolveHost('localhost');
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((a) => a === '127.0.0.1' || a === '::1')).toBe(true);
    expect(await new NodeDnsResolver().resolveHost('93.184.216.34')).toEqual(['93.184.216.34']);
  });

  it('answers [] for a name that does not exist, and rejects on other faults', async () => {
    vi.mocked(dns.lookup).mockRejectedValueOnce(dnsError('ENOTFOUND'));
    expect(await new NodeDnsResolver().resolveHost('nothing.invalid')).toEqual([]);
    vi.mocked(dns.lookup).mockRejectedValueOnce(dnsError('EAI_AGAIN'));
    await expect(new NodeDnsResolver().resolveHost('flaky.test')).rejects.toMatchObject({ code: 'EAI_AGAIN' });
  });

  it('removes duplicate addresses', async () => {
    vi.mocked(dns.lookup).mockResolvedValueOnce([
      { address: '93.184.216.34', family: 4 }, { address: '93.184.216.34', family: 4 }, { address: '::1', family: 6 },
    ] as never);
    expect(await new NodeDnsResolver().resolveHost('dup.test')).toEqual(['93.184.216.34', '::1']);
  });

  it('stops waiting for a lookup that hangs', async () => {
    vi.mocked(dns.lookup).mockReturnValueOnce(new Promise(() => {}) as never);
    await expect(new NodeDnsResolver({ timeoutMs: 50 }).resolveHost('slow.test')).rejects.toMatchObject({ code: 'ETIMEOUT' });
  });

  it('maps "no such record" to [] for TXT and MX and passes other faults on', async () => {
    vi.spyOn(dns.Resolver.prototype, 'resolveTxt').mockRejectedValueOnce(dnsError('ENODATA'));
    expect(await new NodeDnsResolver().resolveTxt('example.test')).toEqual([]);
    vi.spyOn(dns.Resolver.prototype, 'resolveMx').mockRejectedValueOnce(dnsError('ENOTFOUND'));
    expect(await new NodeDnsResolver().resolveMx('example.test')).toEqual([]);
    vi.spyOn(dns.Resolver.prototype, 'resolveMx').mockRejectedValueOnce(dnsError('ESERVFAIL'));
    await expect(new NodeDnsResolver().resolveMx('example.test')).rejects.toMatchObject({ code: 'ESERVFAIL' });
  });

  it('returns TXT and MX answers as DNS gives them', async () => {
    vi.spyOn(dns.Resolver.prototype, 'resolveTxt').mockResolvedValueOnce([['v=spf1 ', '-all']]);
    expect(await new NodeDnsResolver().resolveTxt('example.test')).toEqual([['v=spf1 ', '-all']]);
    vi.spyOn(dns.Resolver.prototype, 'resolveMx').mockResolvedValueOnce([{ exchange: 'mx.example.test', priority: 5 }]);
    expect(await new NodeDnsResolver().resolveMx('example.test')).toEqual([{ exchange: 'mx.example.test', priority: 5 }]);
  });
});
