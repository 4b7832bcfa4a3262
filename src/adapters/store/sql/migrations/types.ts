/** Column types that differ between dialects; everything else is portable SQL. */
export interface DialectTypes {
  /** Epoch milliseconds. */
  ms: 'integer' | 'bigint';
  bytes: 'blob' | 'bytea';
}
