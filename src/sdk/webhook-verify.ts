/**
 * Checking a webhook delivery on the receiving side. The signature scheme is Standard Webhooks
 * (src/core/webhooks/signature.ts, the same code that signs): HMAC-SHA256 over
 * `id.timestamp.body` with the endpoint's `whsec_` secret, and a 5-minute replay window.
 */
import { verifyWebhook as verifySignature, DEFAULT_TOLERANCE_SECONDS, type HeaderSource } from '../core/webhooks/signature.ts';
import { WebhookVerificationError } from './errors.ts';
import type { BreakwaterEvent } from './types.ts';

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** Oldest (and furthest in the future) timestamp accepted, in seconds (default 300). */
  toleranceSeconds?: number;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
}

/**
 * Verifies one delivery and answers its parsed event. `body` must be the raw bytes or text as
 * received: JSON parsed and serialized again does not verify. Throws WebhookVerificationError
 * (answer 400 and drop the request) when the headers are missing, the timestamp is outside the
 * window or no `v1` signature matches; throws TypeError on a malformed secret. It throws rather
 * than answering a value, as the Standard Webhooks libraries do, so a forgotten check cannot
 * pass for a passed one.
 */
export async function verifyWebhook(
  secret: string,
  headers: HeaderSource,
  body: string | Uint8Array,
  options: VerifyWebhookOptions = {},
): Promise<BreakwaterEvent> {
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  const result = await verifySignature(secret, headers, body, nowSeconds, options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
  if (!result.ok) throw new WebhookVerificationError(result.reason);
  try {
    return JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body)) as BreakwaterEvent;
  } catch {
    throw new WebhookVerificationError('invalid_body');
  }
}

export type { HeaderSource };
