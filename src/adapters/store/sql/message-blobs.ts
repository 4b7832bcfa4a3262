/**
 * Where a store keeps raw MIME and attachment bodies when they live outside the database (R2 on
 * the edge: D1 rows are capped at 2 MB). The database keeps the rows, with empty byte columns, so
 * listing, existence and deletion stay SQL; the bytes are read from here.
 */
export interface MessageBlobs {
  /** Overwrites. Resolves once the bytes are durable. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** null when there is no such object. */
  get(key: string): Promise<Uint8Array | null>;
  /** Deleting a missing key is not an error. */
  delete(keys: string[]): Promise<void>;
}

export const rawKey = (messageId: string) => `raw/${messageId}`;
export const attachmentKey = (messageId: string, attachmentId: string) => `att/${messageId}/${attachmentId}`;
