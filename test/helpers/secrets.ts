import { AesGcmSecretBox, parseSecretKey } from '../../src/core/secrets/aes-gcm-box.ts';

/** The key test compositions seal secrets with (64 hex digits, as BREAKWATER_SECRET_KEY takes it). */
export const TEST_SECRET_KEY = '5ec12e7b0c6a4f1d9e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e';

let box: Promise<AesGcmSecretBox> | null = null;

/** One box per test process: importing the key once is enough. */
export function testSecretBox(): Promise<AesGcmSecretBox> {
  box ??= AesGcmSecretBox.create({ current: parseSecretKey(TEST_SECRET_KEY)! });
  return box;
}
