import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchWebhookSender } from './fetch-webhook-sender.ts';

describe('FetchWebhookSender', () => {
  let server: Server;
  let port: number;
  const hits: Array<{ path: string; body: string; signature: string | undefined }> = [];
  const sender = new FetchWebhookSender();

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hits.push({ path: req.url ?? '', body, signature: req.headers['webhook-signature'] as string | undefined });
        if (req.url === '/redirect') res.writeHead(302, { location: `http://127.0.0.1:${port}/internal` }).end();
        else if (req.url === '/hang') return;
        else if (req.url === '/big') res.writeHead(200).end('x'.repeat(1024 * 1024));
        else if (req.url === '/gone') res.writeHead(410).end();
        else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const post = (path: string, timeoutMs = 2000, addresses = ['127.0.0.1']) =>
    sender.post({ url: new URL(`http://127.0.0.1:${port}${path}`), addresses, headers: { 'content-type': 'application/json', 'webhook-signature': 'v1,abc' }, body: '{"a":1}', timeoutMs });

  it('posts the body with its headers and answers with the status', async () => {
    const res = await post('/ok');
    expect(res).toMatchObject({ status: 204, error: null });
    expect(hits.at(-1)).toEqual({ path: '/ok', body: '{"a":1}', signature: 'v1,abc' });
  });

  it('does not follow a redirect', async () => {
    const before = hits.length;
    const res = await post('/redirect');
    expect(res).toMatchObject({ status: 302, error: `redirect to http://127.0.0.1:${port}/internal not followed` });
    await new Promise((r) => setTimeout(r, 50));
    expect(hits.slice(before).map((h) => h.path)).toEqual(['/redirect']);
  });

  it('gives up after the timeout, and reports a refused connection as a value', async () => {
    expect(await post('/hang', 150)).toMatchObject({ status: null, error: 'ETIMEDOUT: no answer within 150 ms' });
    const refused = await sender.post({ url: new URL('http://127.0.0.1:9/x'), addresses: ['127.0.0.1'], headers: {}, body: '{}', timeoutMs: 1000 });
    expect(refused.status).toBeNull();
    expect(refused.error).toBeTruthy();
  });

  it('answers a large body with its status without reading it all, and passes 410 on', async () => {
    expect((await post('/big')).status).toBe(200);
    expect((await post('/gone')).status).toBe(410);
  });

  it('sends nothing without a checked address, or to an IP literal other than the checked one', async () => {
    const before = hits.length;
    expect(await post('/ok', 1000, [])).toMatchObject({ status: null, error: 'no checked address to connect to' });
    expect(await post('/ok', 1000, ['127.0.0.2'])).toMatchObject({ status: null, error: 'address 127.0.0.1 was not the one checked' });
    expect(hits.length).toBe(before);
  });
});
