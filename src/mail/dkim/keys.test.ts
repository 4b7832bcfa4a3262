import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dkimTxtRecord, generateDkimKey } from './keys.ts';

describe('generateDkimKey', () => {
  it('makes RSA 2048 with exponent 65537 and an SPKI p=', async () => {
    const key = await generateDkimKey('rsa');
    const spki = createPublicKey({ key: Buffer.from(key.publicKeyDns, 'base64'), format: 'der', type: 'spki' });
    expect(spki.asymmetricKeyType).toBe('rsa');
    expect(spki.asymmetricKeyDetails).toMatchObject({ modulusLength: 2048, publicExponent: 65537n });
    await expect(crypto.subtle.importKey('pkcs8', Buffer.from(key.privateKeyPkcs8, 'base64'), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign'])).resolves.toBeTruthy();
  });

  it('makes Ed25519 with the raw 32-byte public key as p= (RFC 8463 §4.2)', async () => {
    const key = await generateDkimKey('ed25519');
    expect(Buffer.from(key.publicKeyDns, 'base64')).toHaveLength(32);
    await expect(crypto.subtle.importKey('pkcs8', Buffer.from(key.privateKeyPkcs8, 'base64'), { name: 'Ed25519' }, false, ['sign'])).resolves.toBeTruthy();
  });

  it('never returns the same key twice', async () => {
    const [a, b] = await Promise.all([generateDkimKey('ed25519'), generateDkimKey('ed25519')]);
    expect(a.privateKeyPkcs8).not.toBe(b.privateKeyPkcs8);
  });
});

describe('dkimTxtRecord', () => {
  it('formats v=DKIM1; k=; p=', () => {
    expect(dkimTxtRecord({ algorithm: 'ed25519', publicKeyDns: 'AAAA' })).toBe('v=DKIM1; k=ed25519; p=AAAA');
    expect(dkimTxtRecord({ algorithm: 'rsa', publicKeyDns: 'MIIB' })).toBe('v=DKIM1; k=rsa; p=MIIB');
  });
});
