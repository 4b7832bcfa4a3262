import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { cachedKeyCount, newWebhookSecret, signWebhook, verifyWebhook, webhookHeaders } from './signature.ts';

interface Vector {
  name: string;
  secret: string;
  msg_id: string;
  timestamp: number;
  payload: string;
  expected_signature: string;
}
const vectors = (JSON.parse(readFileSync(new URL('../../../test/fixtures/webhooks/vectors.json', import.meta.url), 'utf8')) as { hmac_v1: Vector[] }).hmac_v1;
const nowSeconds = () => Math.floor(Date.now() / 1000);
/** Changes the first base64 character after `v1,`, so the signature is surely different. */
const flipFirst = (sig: string) => `v1,${sig[3] === 'A' ? 'B' : 'A'}${sig.slice(4)}`;

describe('shared Standard Webhooks vectors', () => {
  it('has vectors to check', () => expect(vectors.length).toBeGreaterThan(0));

  for (const v of vectors) {
    it(`${v.name}: signs like the reference libraries`, async () => {
      expect(await signWebhook(v.secret, v.msg_id, v.timestamp, v.payload)).toBe(v.expected_signature);
      // The vector's note: the whsec_ prefix is optional.
      expect(await signWebhook(v.secret.replace(/^whsec_/, ''), v.msg_id, v.timestamp, v.payload)).toBe(v.expected_signature);
    });

    it(`${v.name}: verifies at its own time and refuses it ten minutes later`, async () => {
      const headers = { 'webhook-id': v.msg_id, 'webhook-timestamp': String(v.timestamp), 'webhook-signature': v.expected_signature };
      expect(await verifyWebhook(v.secret, headers, v.payload, v.timestamp)).toEqual({ ok: true, msgId: v.msg_id, timestampSeconds: v.timestamp });
      expect(await verifyWebhook(v.secret, headers, v.payload, v.timestamp + 600)).toEqual({ ok: false, reason: 'timestamp_too_old' });
    });
  }
});

describe('newWebhookSecret', () => {
  it('is whsec_ + base64 of 32 random bytes', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(secret.slice(6))).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });
});

describe('checked by the reference standardwebhooks package', () => {
  const body = JSON.stringify({ id: 'evt_1', type: 'message.received', data: { message: { subject: 'héllo 👋' } } });

  it('verifies our headers and returns the payload', async () => {
    const secret = newWebhookSecret();
    const headers = await webhookHeaders(secret, 'evt_01HZX', nowSeconds(), body);
    expect(Object.keys(headers).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it.each([
    ['body', (h: Record<string, string>) => ({ h, b: body.replace('héllo', 'hello') })],
    ['timestamp', (h: Record<string, string>) => ({ h: { ...h, 'webhook-timestamp': String(Number(h['webhook-timestamp']) - 1) }, b: body })],
    ['id', (h: Record<string, string>) => ({ h: { ...h, 'webhook-id': 'evt_01HZY' }, b: body })],
    ['signature', (h: Record<string, string>) => ({ h: { ...h, 'webhook-signature': flipFirst(h['webhook-signature']!) }, b: body })],
  ])('refuses a tampered %s', async (_what, tamper) => {
    const secret = newWebhookSecret();
    const { h, b } = tamper(await webhookHeaders(secret, 'evt_01HZX', nowSeconds(), body));
    expect(() => new Webhook(secret).verify(b, h)).toThrow(WebhookVerificationError);
    expect((await verifyWebhook(secret, h, b, nowSeconds())).ok).toBe(false);
  });

  it('refuses our signature under another secret', async () => {
    const headers = await webhookHeaders(newWebhookSecret(), 'evt_1', nowSeconds(), body);
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it('signs exactly as the reference for any id, time and body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 24, maxLength: 64 }),
        fc.stringMatching(/^[\x21-\x7e]{1,40}$/),
        fc.integer({ min: 0, max: 4_102_444_800 }),
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        async (key, id, ts, payload) => {
          const secret = `whsec_${btoa(String.fromCharCode(...key))}`;
          expect(await signWebhook(secret, id, ts, payload)).toBe(new Webhook(secret).sign(id, new Date(ts * 1000), payload));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('verifyWebhook', () => {
  const secret = vectors[0]!.secret;
  const v = vectors[0]!;
  const good = { 'webhook-id': v.msg_id, 'webhook-timestamp': String(v.timestamp), 'webhook-signature': v.expected_signature };
  const verify = (headers: Record<string, string>, now = v.timestamp) => verifyWebhook(secret, headers, v.payload, now);

  it('accepts when any v1 entry matches (secret rotation) and ignores other versions', async () => {
    const list = `v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== v1,Zm9vYmFy ${v.expected_signature}`;
    expect((await verify({ ...good, 'webhook-signature': list })).ok).toBe(true);
    expect(await verify({ ...good, 'webhook-signature': 'v1,Zm9vYmFy v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=' }))
      .toEqual({ ok: false, reason: 'no_matching_signature' });
    // The right bytes under an unknown version do not count.
    expect((await verify({ ...good, 'webhook-signature': v.expected_signature.replace('v1,', 'v2,') })).ok).toBe(false);
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('refuses a request without %s', async (name) => {
    const headers: Record<string, string> = { ...good };
    delete headers[name];
    expect(await verify(headers)).toEqual({ ok: false, reason: 'missing_headers' });
  });

  it.each(['hello', '161426533.0', '-1614265330', '1e9', ' 1614265330', ''])('refuses the timestamp %j', async (ts) => {
    const result = await verify({ ...good, 'webhook-timestamp': ts });
    expect(result.ok).toBe(false);
  });

  it('applies the 300 s tolerance both ways, boundary included', async () => {
    expect((await verify(good, v.timestamp + 300)).ok).toBe(true);
    expect((await verify(good, v.timestamp - 300)).ok).toBe(true);
    expect(await verify(good, v.timestamp + 301)).toEqual({ ok: false, reason: 'timestamp_too_old' });
    expect(await verify(good, v.timestamp - 301)).toEqual({ ok: false, reason: 'timestamp_too_new' });
    expect((await verifyWebhook(secret, good, v.payload, v.timestamp + 3600, 7200)).ok).toBe(true);
  });

  it('reads fetch Headers and mixed-case records, and raw bytes', async () => {
    expect((await verifyWebhook(secret, new Headers(good), v.payload, v.timestamp)).ok).toBe(true);
    const upper = { 'Webhook-Id': v.msg_id, 'WEBHOOK-TIMESTAMP': String(v.timestamp), 'Webhook-Signature': v.expected_signature };
    expect((await verifyWebhook(secret, upper, new TextEncoder().encode(v.payload), v.timestamp)).ok).toBe(true);
  });

  it('refuses a body that was re-serialized', async () => {
    const reserialized = JSON.stringify(JSON.parse(v.payload));
    expect(await verifyWebhook(secret, good, reserialized, v.timestamp)).toEqual({ ok: false, reason: 'no_matching_signature' });
  });
});

describe('signWebhook faults', () => {
  const secret = newWebhookSecret();

  it('refuses ids that would break the header', async () => {
    await expect(signWebhook(secret, 'evt_1\r\nX-Evil: 1', 1, '{}')).rejects.toThrow(TypeError);
    await expect(signWebhook(secret, '', 1, '{}')).rejects.toThrow(TypeError);
    await expect(signWebhook(secret, 'evt 1', 1, '{}')).rejects.toThrow(TypeError);
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 53])('refuses the timestamp %s', async (ts) => {
    await expect(signWebhook(secret, 'evt_1', ts, '{}')).rejects.toThrow(RangeError);
  });

  it('refuses a secret that is empty or not base64', async () => {
    await expect(signWebhook('whsec_', 'evt_1', 1, '{}')).rejects.toThrow(/empty/);
    await expect(signWebhook('whsec_!!not-base64!!', 'evt_1', 1, '{}')).rejects.toThrow(/base64/);
  });

  it('keeps the key cache bounded', async () => {
    for (let i = 0; i < 300; i++) await signWebhook(newWebhookSecret(), 'evt_1', 1, '{}');
    expect(cachedKeyCount()).toBeLessThanOrEqual(256);
    expect(await signWebhook(vectors[0]!.secret, vectors[0]!.msg_id, vectors[0]!.timestamp, vectors[0]!.payload)).toBe(vectors[0]!.expected_signature);
  });
});
