import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHttpWebhookSender } from './node-http-sender.ts';

describe('NodeHttpWebhookSender', () => {
  let server: Server;
  let port: number;
  const hits: Array<{ path: string; host: string; body: string }> = [];
  const sender = new NodeHttpWebhookSender();

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hits.push({ path: req.url ?? '', host: req.headers.host ?? '', body });
        if (req.url === '/redirect') res.writeHead(302, { location: `http://127.0.0.1:${port}/internal` }).end();
        else if (req.url === '/hang') return; // never answers
        else if (req.url === '/big') res.writeHead(200).end('x'.repeat(1024 * 1024));
        else if (req.url === '/gone') res.writeHead(410).end();
        else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await sender.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const post = (path: string, timeoutMs = 2000, host = 'hooks.invalid') =>
    sender.post({ url: new URL(`http://${host}:${port}${path}`), addresses: ['127.0.0.1'], headers: { 'content-type': 'application/json' }, body: '{"a":1}', timeoutMs });

  it('connects to the checked address without asking DNS (the name does not resolve)', async () => {
    const res = await post('/ok');
    expect(res).toMatchObject({ status: 204, error: null });
    expect(hits.at(-1)).toMatchObject({ path: '/ok', host: `hooks.invalid:${port}`, body: '{"a":1}' });
    expect(res.durationMs).toBeGreaterThan(0);
  });

  it('does not follow a redirect, even to loopback', async () => {
    const before = hits.length;
    const res = await post('/redirect');
    expect(res.status).toBe(302);
    expect(res.error).toBe(`redirect to http://127.0.0.1:${port}/internal not followed`);
    await new Promise((r) => setTimeout(r, 50));
    expect(hits.slice(before).map((h) => h.path)).toEqual(['/redirect']);
  });

  it('gives up after the timeout', async () => {
    const res = await post('/hang', 150);
    expect(res.status).toBeNull();
    expect(res.error).toMatch(/ETIMEDOUT: no answer within 150 ms/);
  });

  it('reports a refused connection as an error, not a rejection', async () => {
    const res = await sender.post({ url: new URL('http://hooks.invalid:9/x'), addresses: ['127.0.0.1'], headers: {}, body: '{}', timeoutMs: 1000 });
    expect(res).toMatchObject({ status: null });
    expect(res.error).toMatch(/ECONNREFUSED/);
  });

  it('answers with the status of a large response without reading it all, and passes 410 on', async () => {
    expect((await post('/big')).status).toBe(200);
    expect((await post('/gone')).status).toBe(410);
    // The connection that was dropped mid-body is not reused: the next request still works.
    expect((await post('/ok')).status).toBe(204);
  });

  it('sends nothing without a checked address', async () => {
    const before = hits.length;
    const res = await sender.post({ url: new URL(`http://hooks.invalid:${port}/ok`), addresses: [], headers: {}, body: '{}', timeoutMs: 1000 });
    expect(res).toMatchObject({ status: null, error: 'no checked address to connect to' });
    expect(hits.length).toBe(before);
  });

  it('connects to the checked address, never to what the name resolves to now', async () => {
    // localhost resolves to 127.0.0.1, where the server listens; the check approved 127.0.0.2, where nothing does.
    const before = hits.length;
    const res = await sender.post({ url: new URL(`http://localhost:${port}/pinned`), addresses: ['127.0.0.2'], headers: {}, body: '{}', timeoutMs: 1000 });
    expect(res.status).toBeNull();
    expect(res.error).toMatch(/ECONNREFUSED 127\.0\.0\.2/);
    expect(hits.length).toBe(before);
  });
});
