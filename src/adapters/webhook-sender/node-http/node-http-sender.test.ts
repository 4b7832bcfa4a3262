import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHttpWebhookSender } from './node-http-sender.ts';
import { startScriptedReceiver, type ReceivedHit, type ScriptedReceiver } from '../scripted-receiver.ts';

describe('NodeHttpWebhookSender', () => {
  let receiver: ScriptedReceiver;
  let port: number;
  let hits: ReceivedHit[];
  const sender = new NodeHttpWebhookSender();

  beforeAll(async () => {
    receiver = await startScriptedReceiver();
    ({ port, hits } = receiver);
  });
  afterAll(async () => {
    await sender.close();
    await receiver.close();
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
