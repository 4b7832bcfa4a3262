import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DohResolver, txtStrings } from './doh-resolver.ts';

/** A DNS-over-HTTPS JSON endpoint with a fixed zone. */
const ZONE: Record<string, { Status: number; Answer?: Array<{ name: string; type: number; data: string }> }> = {
  'hooks.example:1': { Status: 0, Answer: [{ name: 'hooks.example', type: 5, data: 'edge.example.' }, { name: 'edge.example', type: 1, data: '93.184.216.34' }] },
  'hooks.example:28': { Status: 0, Answer: [{ name: 'edge.example', type: 28, data: '2606:2800:220:1::1' }] },
  'nowhere.example:1': { Status: 3 },
  'nowhere.example:28': { Status: 3 },
  'broken.example:1': { Status: 2 },
  'broken.example:28': { Status: 2 },
  'mail.example:16': { Status: 0, Answer: [{ name: 'mail.example', type: 16, data: '"v=spf1 include:_spf.example" " -all"' }, { name: 'mail.example', type: 16, data: '"say \\"hi\\"\\059"' }] },
  'mail.example:15': { Status: 0, Answer: [{ name: 'mail.example', type: 15, data: '20 mx2.mail.example.' }, { name: 'mail.example', type: 15, data: '10 mx1.mail.example.' }] },
};

describe('DohResolver', () => {
  let server: Server;
  let url = '';
  const asked: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      asked.push(`${q.get('name')}:${q.get('type')} ${req.headers.accept}`);
      if (q.get('name') === 'http-error.example') return res.writeHead(502).end();
      const answer = ZONE[`${q.get('name')}:${q.get('type')}`] ?? { Status: 0 };
      res.writeHead(200, { 'content-type': 'application/dns-json' }).end(JSON.stringify(answer));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dns-query`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('resolves a host to its A and AAAA addresses through a CNAME, in the JSON form', async () => {
    expect(await new DohResolver({ url }).resolveHost('hooks.example')).toEqual(['93.184.216.34', '2606:2800:220:1::1']);
    expect(asked).toContain('hooks.example:1 application/dns-json');
  });

  it('answers NXDOMAIN and an empty answer with [] and rejects SERVFAIL and HTTP errors', async () => {
    const r = new DohResolver({ url });
    expect(await r.resolveHost('nowhere.example')).toEqual([]);
    expect(await r.resolveTxt('empty.example')).toEqual([]);
    await expect(r.resolveHost('broken.example')).rejects.toThrow(/RCODE 2/);
    await expect(r.resolveHost('http-error.example')).rejects.toThrow(/HTTP 502/);
  });

  it('resolves an IP literal to itself without asking', async () => {
    const before = asked.length;
    expect(await new DohResolver({ url }).resolveHost('[::1]')).toEqual(['::1']);
    expect(await new DohResolver({ url }).resolveHost('10.0.0.1')).toEqual(['10.0.0.1']);
    expect(asked.length).toBe(before);
  });

  it('reads TXT character-strings and MX records', async () => {
    const r = new DohResolver({ url });
    expect(await r.resolveTxt('mail.example')).toEqual([['v=spf1 include:_spf.example', ' -all'], ['say "hi";']]);
    expect(await r.resolveMx('mail.example')).toEqual([{ priority: 20, exchange: 'mx2.mail.example' }, { priority: 10, exchange: 'mx1.mail.example' }]);
    expect(txtStrings('unquoted')).toEqual(['unquoted']);
  });

  it('rejects when the endpoint does not answer in time', async () => {
    const hang = createServer(() => {});
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    try {
      const r = new DohResolver({ url: `http://127.0.0.1:${(hang.address() as AddressInfo).port}/`, timeoutMs: 100 });
      await expect(r.resolveHost('slow.example')).rejects.toThrow();
    } finally {
      hang.closeAllConnections();
      hang.close();
    }
  });
});
