import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchWebhookSender } from './fetch-webhook-sender.ts';
import { startScriptedReceiver, type ReceivedHit, type ScriptedReceiver } from '../scripted-receiver.ts';

describe('FetchWebhookSender', () => {
  let receiver: ScriptedReceiver;
  let port: number;
  let hits: ReceivedHit[];
  const sender = new FetchWebhookSender();

  beforeAll(async () => {
    receiver = await startScriptedReceiver();
    ({ port, hits } = receiver);
  });
  afterAll(async () => {
    await receiver.close();
  });

  const post = (path: string, timeoutMs = 2000, addresses = ['127.0.0.1']) =>
    sender.post({ url: new URL(`http://127.0.0.1:${port}${path}`), addresses, headers: { 'content-type': 'application/json', 'webhook-signature': 'v1,abc' }, body: '{"a":1}', timeoutMs });

  it('posts the body with its headers and answers with the status', async () => {
    const res = await post('/ok');
    expect(res).toMatchObject({ status: 204, error: null });
    const { path, body, signature } = hits.at(-1)!;
    expect({ path, body, signature }).toEqual({ path: '/ok', body: '{"a":1}', signature: 'v1,abc' });
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
