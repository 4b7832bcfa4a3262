/**
 * The delivery worker's deliverability steps (deliver.ts calls them in order): hold the mail
 * of a paused inbox, DKIM-sign before the message leaves, and count what was handed off.
 *
 * Signing happens here, not when the send is accepted: an RSA 2048 signature costs about a
 * millisecond of CPU, which the 202 path cannot afford at thousands of sends per second. The
 * signed bytes replace the stored raw before they are sent, so GET /raw shows what was sent,
 * and a retry finds them signed and sends the same bytes.
 */
import { secretContext } from '../secrets/secret-box.ts';
import { domainOf } from '../../mail/address.ts';
import { signDkim } from '../../mail/dkim/index.ts';
import { bareAddress } from '../../mail/parse.ts';
import type { CoreDeps } from '../context.ts';
import { newId } from '../ids.ts';
import type { Message } from '../model.ts';
import type { DeliveryOutcome } from './deliver.ts';

/** How long a paused inbox's delivery waits before it looks again. */
export const HOLD_MS = 60_000;

/**
 * A paused inbox's mail waits: the job is deferred (DeliveryOutcome `defer`: it runs again
 * without using up a relay retry) and looks again in HOLD_MS. The first hold is a message event.
 */
export async function holdIfPaused(deps: CoreDeps, message: Message): Promise<DeliveryOutcome | null> {
  const d = deps.deliverability;
  if (!d || d.reputation.stateOf(message.inboxId) !== 'paused') return null;
  const now = deps.clock();
  // One event per hold, not per look: a long pause would otherwise add one a minute.
  const events = await deps.store.listMessageEvents(message.id);
  if (events[events.length - 1]?.type !== 'held') {
    await d.store.addMessageEvent({ id: newId('evt', now), messageId: message.id, type: 'held', detail: { reason: 'the inbox is paused for its reputation' }, createdAt: now });
  }
  return { kind: 'defer', runAt: now + HOLD_MS, reason: 'held: the inbox is paused for its reputation' };
}

/** Our signature is prepended (RFC 6376 §5.6), and agents cannot set the field (X- headers only). */
function isSigned(raw: Uint8Array): boolean {
  return new TextDecoder().decode(raw.subarray(0, 15)).toLowerCase() === 'dkim-signature:';
}

/** The bytes to send: signed with the From domain's key (relaxed/relaxed), stored as sent. */
export async function signForDelivery(deps: CoreDeps, message: Message, raw: Uint8Array): Promise<Uint8Array> {
  const d = deps.deliverability;
  if (!d || isSigned(raw)) return raw;
  const signer = d.domains.signer(domainOf(bareAddress(message.from)));
  if (!signer) return raw;
  const { domainId, sealedKey, ...options } = signer;
  const privateKeyPkcs8 = await d.secrets.open(sealedKey, secretContext('dkim', domainId));
  const signed = await signDkim(raw, { ...options, privateKeyPkcs8, now: new Date(deps.clock()) });
  await d.store.saveSignedRaw(message.id, signed);
  return signed;
}

/** Counts recipients handed off for the inbox's reputation; a fault is logged, never fails the delivery. */
export async function recordHandoff(deps: CoreDeps, message: Message, recipients: number, delivered: number): Promise<void> {
  const d = deps.deliverability;
  if (!d || recipients === 0) return;
  try {
    await d.reputation.recordSent({ id: message.inboxId, orgId: message.orgId, address: bareAddress(message.from) }, message.id, recipients, delivered);
  } catch (err) {
    deps.logger.error({ err, lane: 'outbound', message: message.id }, 'reputation record failed');
  }
}
