import type { MessageBlobs } from '../sql/message-blobs.ts';

// R2 deletes at most 1,000 keys per call.
const DELETE_BATCH = 1000;

/** Raw MIME and attachment bodies in an R2 bucket, one object per key. */
export class R2MessageBlobs implements MessageBlobs {
  constructor(private readonly bucket: R2Bucket) {}

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.bucket.put(key, bytes);
  }

  async get(key: string): Promise<Uint8Array | null> {
    const object = await this.bucket.get(key);
    return object ? new Uint8Array(await object.arrayBuffer()) : null;
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) await this.bucket.delete(keys.slice(i, i + DELETE_BATCH));
  }
}
