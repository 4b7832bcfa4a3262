/** Suppression: an address an org does not send to (Postal's Suppression, with reason and expiry). */

/** hard_bounce and complaint are automatic; the rest come from the API. */
export type SuppressionReason = 'hard_bounce' | 'complaint' | 'manual' | 'unsubscribe' | 'spam_trap' | 'invalid';

export const SUPPRESSION_REASONS: readonly SuppressionReason[] = ['hard_bounce', 'complaint', 'manual', 'unsubscribe', 'spam_trap', 'invalid'];

export interface Suppression {
  /** `sup_…`: orders the list, newest first. */
  id: string;
  orgId: string;
  /** Lower case: one entry per address and org. */
  address: string;
  reason: SuppressionReason;
  /** auto: from a bounce or complaint; api: added by a key or the operator. */
  source: 'auto' | 'api';
  /** The message whose bounce or complaint caused it. */
  messageId: string | null;
  createdAt: number;
  /** null: until removed. Bounces and complaints never expire on their own. */
  expiresAt: number | null;
}
