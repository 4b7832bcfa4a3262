import PostalMime, { type Address, type Email } from 'postal-mime';

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

/** Parses raw RFC 5322 bytes. Never throws on malformed mail: postal-mime is lenient. */
export async function parseMail(raw: Uint8Array): Promise<ParsedMail> {
  const email: Email = await PostalMime.parse(raw, LIMITS);
  const headers: Record<string, string> = {};
  for (const h of email.headers) if (!(h.key in headers)) headers[h.key] = h.value;
  const autoSubmitted = (headers['auto-submitted'] ?? 'no').toLowerCase().trim() !== 'no';
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
