/**
 * RFC 3464 delivery status notifications: the message/delivery-status part (or the
 * same fields pasted into a text part, as Amazon WorkMail and some Postfix builds do).
 */
import { firstAddress } from './addresses.ts';
import type { Field } from './fields.ts';
import { parseFieldBlocks } from './fields.ts';

/** One per-recipient block of a DSN, read as written. */
export interface DsnRecipient {
  recipient: string;
  action: 'failed' | 'delayed';
  /** RFC 3463 code from the Status field. */
  status: string | null;
  /** Diagnostic-Code without its type ("smtp; "). */
  diagnostic: string | null;
  /** The Diagnostic-Code type, lower-cased ("smtp", "x-unix", ...). */
  diagnosticType: string | null;
  remoteMta: string | null;
  /** PowerMTA's own verdict (X-PowerMTA-BounceCategory), e.g. "bad-mailbox". */
  category: string | null;
}

/** What a delivery-status body holds. */
export interface DsnResult {
  /** Recipients whose action is failed or delayed. */
  recipients: DsnRecipient[];
  /** Recipients reported delivered, relayed or expanded: not bounces. */
  succeeded: number;
  envelopeId: string | null;
  /** X-Original-Message-ID of the per-message block (Gmail writes it), if any. */
  messageId: string | null;
}

const PER_RECIPIENT = new Set(['original-recipient', 'final-recipient', 'x-actual-recipient', 'action', 'status', 'remote-mta', 'diagnostic-code', 'last-attempt-date', 'will-retry-until', 'final-log-id', 'x-powermta-bouncecategory']);

/** "rfc822; a@b" → "a@b" (RFC 3464 2.3.2 address-type prefix). */
function typedValue(value: string | null): { type: string | null; text: string } | null {
  if (value === null) return null;
  const m = /^([A-Za-z0-9-]+)\s*;\s*([\s\S]*)$/.exec(value);
  return m ? { type: m[1]!.toLowerCase(), text: m[2]!.trim() } : { type: null, text: value.trim() };
}

/**
 * Groups fields into per-recipient records. Blank lines separate them in a well-formed
 * DSN, but real ones run records together, so a second, different Final-Recipient or
 * Original-Recipient also starts a new record (an identical repeat is a duplicate line).
 */
function recipientGroups(blocks: Field[][]): Map<string, string>[] {
  const groups: Map<string, string>[] = [];
  let current = new Map<string, string>();
  const flush = (): void => {
    if (current.has('final-recipient') || current.has('original-recipient')) groups.push(current);
    current = new Map();
  };
  for (const block of blocks) {
    for (const { name, value } of block) {
      if (!PER_RECIPIENT.has(name)) continue;
      const seen = current.get(name);
      if (seen !== undefined && (name === 'final-recipient' || name === 'original-recipient') && seen !== value) flush();
      if (!current.has(name)) current.set(name, value);
    }
    flush();
  }
  flush();
  return groups;
}

function actionOf(value: string | undefined, status: string | null): 'failed' | 'delayed' | 'succeeded' {
  const v = (value ?? '').toLowerCase();
  if (/deliver|relay|expand/.test(v)) return 'succeeded';
  if (/delay/.test(v)) return 'delayed';
  if (v === '' && status?.startsWith('2')) return 'succeeded';
  return 'failed';
}

// More recipients than any real DSN lists (RFC 5321 4.5.3.1.8 asks servers to accept
// 100 per message); past it, a report is hostile and the rest is ignored.
const MAX_RECIPIENTS = 1000;

/** Parses a delivery-status body (or text carrying its fields). */
export function parseDeliveryStatus(text: string): DsnResult {
  const blocks = parseFieldBlocks(text);
  const all = blocks.flat();
  const envelope = all.find((f) => f.name === 'original-envelope-id')?.value ?? null;
  const messageId = all.find((f) => f.name === 'x-original-message-id')?.value ?? null;
  const recipients: DsnRecipient[] = [];
  const byAddress = new Map<string, DsnRecipient>();
  let succeeded = 0;
  for (const g of recipientGroups(blocks).slice(0, MAX_RECIPIENTS)) {
    const status = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(g.get('status') ?? '')?.[1] ?? null;
    const action = actionOf(g.get('action'), status);
    if (action === 'succeeded') {
      succeeded++;
      continue;
    }
    // Original-Recipient is the address as the sender wrote it (RFC 3464 2.3.1), the one
    // to suppress; Final-Recipient may be an alias or a local mailbox after forwarding.
    const recipient =
      firstAddress(typedValue(g.get('original-recipient') ?? null)?.text) ??
      firstAddress(typedValue(g.get('final-recipient') ?? null)?.text) ??
      firstAddress(typedValue(g.get('x-actual-recipient') ?? null)?.text);
    if (!recipient) continue;
    const diag = typedValue(g.get('diagnostic-code') ?? null);
    const existing = byAddress.get(recipient);
    if (existing) {
      existing.diagnostic ??= diag?.text || null;
      existing.status ??= status;
      continue;
    }
    const record: DsnRecipient = {
      recipient,
      action,
      status,
      diagnostic: diag?.text || null,
      diagnosticType: diag?.type ?? null,
      remoteMta: typedValue(g.get('remote-mta') ?? null)?.text || null,
      category: g.get('x-powermta-bouncecategory')?.toLowerCase() ?? null,
    };
    recipients.push(record);
    byAddress.set(recipient, record);
  }
  return { recipients, succeeded, envelopeId: envelope ? typedValue(envelope)?.text || null : null, messageId };
}
