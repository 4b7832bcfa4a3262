import { concatBytes } from '../../core/bytes.ts';
import { BreakwaterError } from '../../core/errors.ts';

/**
 * Reads a request body up to `limit` bytes. Refuses at once on a Content-Length over the
 * limit, and stops reading a chunked body as soon as it passes the limit, so an oversized
 * body is never buffered whole.
 */
export async function readBodyLimited(req: Request, limit: number): Promise<Uint8Array> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
}

function tooLarge(limit: number): BreakwaterError {
  return new BreakwaterError('payload_too_large', `the body is larger than this path's limit of ${limit} bytes`, {
    rule: `body-limit ${limit}`,
    fix: 'Send a smaller body; attachments count towards the limit after base64 encoding.',
  });
}
