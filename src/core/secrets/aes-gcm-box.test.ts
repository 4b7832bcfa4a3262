import { describe, expect, it } from 'vitest';
import { AesGcmSecretBox, parseSecretKey } from './aes-gcm-box.ts';
import { SecretKeyError } from './secret-box.ts';

const KEY_A = parseSecretKey('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff')!;
const KEY_B = parseSecretKey('ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100')!;
const SECRET = 'whsec_c2VjcmV0IGJ5dGVzIGZvciB0aGUgdGVzdCBvZiB0aGUgYm94';

describe('AesGcmSecretBox', () => {
  it('seals into a v1 envelope that names its key and holds no plaintext, and opens it again', async () => {
    const box = await AesGcmSecretBox.create({ current: KEY_A });
    const sealed = await box.seal(SECRET, 'webhook:whk_1');
    expect(sealed).toMatch(new RegExp(`^enc:v1:${box.keyId}:[\\w-]{16}:[\\w-]+$`));
    expect(sealed).not.toContain(SECRET);
    expect(sealed).not.toContain(SECRET.slice(6));
    expect(await box.open(sealed, 'webhook:whk_1')).toBe(SECRET);
    expect(box.isCurrent(sealed)).toBe(true);
  });

  it('uses a fresh IV per seal: one secret sealed twice gives two envelopes', async () => {
    const box = await AesGcmSecretBox.create({ current: KEY_A });
    expect(await box.seal(SECRET, 'c')).not.toBe(await box.seal(SECRET, 'c'));
  });

  it('returns legacy plaintext as it is, and calls it not current', async () => {
    const box = await AesGcmSecretBox.create({ current: KEY_A });
    expect(await box.open(SECRET, 'webhook:whk_1')).toBe(SECRET);
    expect(box.isCurrent(SECRET)).toBe(false);
  });

  it('refuses an envelope moved to another row (the context is authenticated)', async () => {
    const box = await AesGcmSecretBox.create({ current: KEY_A });
    const sealed = await box.seal(SECRET, 'webhook:whk_1');
    await expect(box.open(sealed, 'webhook:whk_2')).rejects.toThrow(/webhook:whk_2 secret does not open under key .*moved from another row/);
  });

  it('refuses an altered envelope with SecretKeyError', async () => {
    const box = await AesGcmSecretBox.create({ current: KEY_A });
    const sealed = await box.seal(SECRET, 'c');
    const last = sealed.at(-2) === 'A' ? 'B' : 'A';
    await expect(box.open(sealed.slice(0, -2) + last + sealed.at(-1), 'c')).rejects.toBeInstanceOf(SecretKeyError);
    await expect(box.open('enc:v2:abcd:x:y', 'c')).rejects.toThrow(/not a v1 envelope/);
  });

  it('names both key ids when a wrong key meets an envelope, instead of failing obscurely', async () => {
    const a = await AesGcmSecretBox.create({ current: KEY_A });
    const b = await AesGcmSecretBox.create({ current: KEY_B });
    expect(a.keyId).not.toBe(b.keyId);
    const sealed = await a.seal(SECRET, 'dkim:dom_1');
    const err = await b.open(sealed, 'dkim:dom_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretKeyError);
    expect((err as Error).message).toBe(`the dkim:dom_1 secret is sealed under key ${a.keyId}, but the configured keys are ${b.keyId} only`);
  });

  it('opens what the previous key sealed during a rotation, and seals only under the current one', async () => {
    const old = await AesGcmSecretBox.create({ current: KEY_A });
    const rotated = await AesGcmSecretBox.create({ current: KEY_B, previous: KEY_A });
    const sealedBefore = await old.seal(SECRET, 'c');
    expect(await rotated.open(sealedBefore, 'c')).toBe(SECRET);
    expect(rotated.isCurrent(sealedBefore)).toBe(false);
    const sealedAfter = await rotated.seal(SECRET, 'c');
    expect(rotated.isCurrent(sealedAfter)).toBe(true);
    await expect(old.open(sealedAfter, 'c')).rejects.toBeInstanceOf(SecretKeyError);
  });
});

describe('parseSecretKey', () => {
  it('takes 32 bytes as hex, base64 or base64url, and the same bytes each way', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 250);
    const hex = Buffer.from(bytes).toString('hex');
    expect(parseSecretKey(hex)).toEqual(bytes);
    expect(parseSecretKey(hex.toUpperCase())).toEqual(bytes);
    expect(parseSecretKey(Buffer.from(bytes).toString('base64'))).toEqual(bytes);
    expect(parseSecretKey(Buffer.from(bytes).toString('base64url'))).toEqual(bytes);
  });

  it('refuses other lengths and other text', () => {
    expect(parseSecretKey('00'.repeat(31))).toBeNull();
    expect(parseSecretKey('00'.repeat(33))).toBeNull();
    expect(parseSecretKey(Buffer.alloc(16).toString('base64'))).toBeNull();
    // 0xff bytes: base64 '///…', which cannot pass for 64 hex digits (those are read as hex first).
    expect(parseSecretKey(Buffer.alloc(48, 0xff).toString('base64'))).toBeNull();
    expect(parseSecretKey('correct horse battery staple correct horse b')).toBeNull();
    expect(parseSecretKey('')).toBeNull();
  });
});
