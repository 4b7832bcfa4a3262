import PostalMime, { type Address, type Email } from 'postal-mime';
import { isMachineMail } from './auto-submitted.ts';

/** What the inbound pipeline keeps of a parsed message. */
export interface ParsedMail {
  from: string;
  to: string[];
  cc: string[];
  replyTo: string | null;
  subject: string;
  text: string | null;
  html: string | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  headers: Record<string, string>;
  /** Sent by a machine (RFC 3834): see auto-submitted.ts. */
  autoSubmitted: boolean;
  attachments: Array<{ filename: string; contentType: string; content: Uint8Array }>;
}

// Limits that protect memory are ours, never the sender's (postal-mime's limit options).
const LIMITS = { maxNestingDepth: 50, maxHeadersSize: 1024 * 1024, maxPartCount: 500 };

function flatten(list: Address[] | undefined): string[] {
  const out: string[] = [];
  for (const a of list ?? []) {
    if (a.group) for (const m of a.group) out.push(m.address);
    else if (a.address) out.push(a.address);
  }
  return out.filter((x) => x.length > 0);
}

function formatMailbox(a: Address | undefined): string {
  if (!a || a.group || !a.address) return '';
  return a.name ? `${a.name} <${a.address}>` : a.address;
}

/** Message-IDs as `<id>` tokens, in order (RFC 5322 §3.6.4 msg-id lists). */
export function messageIdList(value: string | undefined | null): string[] {
  if (!value) return [];
  const ids = value.match(/<[^<>\s]+>/g);
  if (ids) return ids;
  return value.split(/\s+/).filter(Boolean).map((v) => `<${v.replace(/^<|>$/g, '')}>`);
}

function toBytes(content: ArrayBuffer | Uint8Array | string): Uint8Array {
  if (typeof content === 'string') return new TextEncoder().encode(content);
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

/** postal-mime's refusal of a message over one of LIMITS (nesting, part count, header size). */
function isOverLimit(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('EMAX');
}

/** The header section alone (up to the first empty line), or nothing when it is over the limit too. */
function headerSection(raw: Uint8Array): Uint8Array {
  const end = Math.min(raw.length, LIMITS.maxHeadersSize);
  for (let i = 0; i + 1 < end; i++) {
    if (raw[i] === 0x0a && (raw[i + 1] === 0x0a || (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a))) return raw.subarray(0, i + 1);
  }
  return new Uint8Array(0);
}

/**
 * Parses raw RFC 5322 bytes. Never throws on malformed mail: postal-mime is lenient, and a
 * message over a parse limit (deeper than 50 multiparts, over 500 parts, over 1 MiB of header)
 * keeps what its header section says with no text, HTML or attachments; its raw bytes are
 * stored as sent. Throwing instead would answer the sender a temporary failure it retries forever.
 */
export async function parseMail(raw: Uint8Array): Promise<ParsedMail> {
  let email: Email;
  try {
    email = await PostalMime.parse(raw, LIMITS);
  } catch (err) {
    if (!isOverLimit(err)) throw err;
    email = await PostalMime.parse(headerSection(raw), LIMITS).catch(() => PostalMime.parse(new Uint8Array(0)));
  }
  const headers: Record<string, string> = {};
  for (const h of email.headers) if (!(h.key in headers)) headers[h.key] = h.value;
  const autoSubmitted = await isMachineMail(raw, {
    headers: email.headers.map((h) => ({ name: h.key, value: h.value })),
    from: email.from && !email.from.group && email.from.address ? email.from.address.toLowerCase() : null,
    subject: email.subject ?? '',
    body: email.text ?? email.html ?? '',
  });
  return {
    from: formatMailbox(email.from),
    to: flatten(email.to),
    cc: flatten(email.cc),
    replyTo: flatten(email.replyTo)[0] ?? null,
    subject: email.subject ?? '',
    text: email.text ?? null,
    html: email.html ?? null,
    messageId: messageIdList(email.messageId)[0] ?? null,
    inReplyTo: messageIdList(email.inReplyTo)[0] ?? null,
    references: messageIdList(email.references),
    headers,
    autoSubmitted,
    attachments: email.attachments.map((a) => ({
      filename: a.filename ?? 'attachment',
      contentType: a.mimeType || 'application/octet-stream',
      content: toBytes(a.content),
    })),
  };
}

/** The bare address of a `Name <addr>` mailbox. */
export function bareAddress(mailbox: string): string {
  const m = /<([^<>]+)>\s*$/.exec(mailbox);
  return (m ? m[1]! : mailbox).trim();
}
