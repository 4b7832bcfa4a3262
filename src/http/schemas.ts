import { z } from 'zod';
import { isValidAddress } from '../mail/address.ts';

/** Request and response schemas: they validate requests and generate the OpenAPI document. */

const noLineBreaks = (s: string) => !/[\r\n\0]/.test(s);

export const Address = z.string().max(254)
  .refine(noLineBreaks, 'must not contain CR, LF or NUL')
  .refine((s) => isValidAddress(s), 'not a valid email address')
  .meta({ example: 'someone@example.com' });

const AddressList = z.array(Address).max(50);

/** Header names an agent may set; the rest are ours to write (RFC 5322 §3.6). */
// At most 76 characters in all: the longest field name compose.ts writes (RFC 5322 §2.1.1).
const CustomHeaderName = z.string().regex(/^X-[A-Za-z0-9-]{1,74}$/, 'only X- headers of at most 76 characters may be set')
  .or(z.enum(['List-Unsubscribe', 'List-Unsubscribe-Post', 'Auto-Submitted']));

const HeaderValue = z.string().max(998).refine(noLineBreaks, 'must not contain CR, LF or NUL');

// An agent marks its own automatic mail (RFC 3834 §5) so other responders leave it unanswered;
// "no" is what absence says, and other keywords (auto-notified) belong to mail systems.
const AUTO_SUBMITTED_VALUES = ['auto-replied', 'auto-generated'];

const CustomHeaders = z.record(CustomHeaderName, HeaderValue).superRefine((headers, ctx) => {
  const value = headers['Auto-Submitted'];
  if (value !== undefined && !AUTO_SUBMITTED_VALUES.includes(value)) {
    ctx.addIssue({ code: 'custom', path: ['Auto-Submitted'], message: `must be ${AUTO_SUBMITTED_VALUES.join(' or ')}` });
  }
}).meta({ description: 'X- headers, List-Unsubscribe(-Post), and Auto-Submitted (auto-replied or auto-generated) to mark an automatic answer' });

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64').refine((s) => s.length % 4 === 0, 'must be base64 with padding');

export const AttachmentInput = z.strictObject({
  filename: z.string().min(1).max(255).refine(noLineBreaks, 'must not contain CR, LF or NUL'),
  content_type: z.string().regex(/^[\w.+-]{1,64}\/[\w.+-]{1,64}$/, 'must be a MIME type such as application/pdf').default('application/octet-stream'),
  content: Base64,
});

export const Subject = z.string().max(998).refine(noLineBreaks, 'must not contain CR, LF or NUL');

export const SendBody = z.strictObject({
  to: AddressList.default([]),
  cc: AddressList.default([]),
  bcc: AddressList.default([]),
  subject: Subject.default(''),
  text: z.string().max(10 * 1024 * 1024).optional(),
  html: z.string().max(10 * 1024 * 1024).optional(),
  reply_to: Address.optional(),
  headers: CustomHeaders.optional(),
  attachments: z.array(AttachmentInput).max(50).default([]),
}).refine((b) => b.text !== undefined || b.html !== undefined, { message: 'text or html is required', path: ['text'] });

export const ReplyBody = z.strictObject({
  to: AddressList.optional(),
  cc: AddressList.default([]),
  bcc: AddressList.default([]),
  reply_all: z.boolean().default(false),
  subject: Subject.optional(),
  text: z.string().max(10 * 1024 * 1024).optional(),
  html: z.string().max(10 * 1024 * 1024).optional(),
  reply_to: Address.optional(),
  headers: CustomHeaders.optional(),
  attachments: z.array(AttachmentInput).max(50).default([]),
}).refine((b) => b.text !== undefined || b.html !== undefined, { message: 'text or html is required', path: ['text'] });

export const CreateOrgBody = z.strictObject({
  name: z.string().min(1).max(200).refine(noLineBreaks, 'must not contain CR, LF or NUL'),
  plan: z.enum(['free', 'pro', 'unlimited']).default('free'),
});

export const CreateKeyBody = z.strictObject({
  name: z.string().min(1).max(200).default('key'),
  scopes: z.array(z.enum(['org', 'inbox'])).length(1).default(['org']),
  inbox_ids: z.array(z.string().max(40)).max(100).default([]),
});

export const CreateInboxBody = z.strictObject({
  username: z.string().min(1).max(64).regex(/^[a-z0-9](?:[a-z0-9._+-]*[a-z0-9])?$/i, 'letters, digits, dot, underscore, plus and hyphen; starting and ending with a letter or digit')
    .refine((s) => !s.includes('..'), 'must not contain two dots in a row').optional(),
  domain: z.string().max(253).optional(),
  display_name: z.string().max(200).refine(noLineBreaks, 'must not contain CR, LF or NUL').nullable().optional(),
});

export const UpdateInboxBody = z.strictObject({
  display_name: z.string().max(200).refine(noLineBreaks, 'must not contain CR, LF or NUL').nullable().optional(),
});

const Cursor = z.string().regex(/^[a-z]{3}_[0-9A-HJKMNP-TV-Z]{26}$/, 'not a cursor returned by this API');

export const PageQuery = z.strictObject({
  cursor: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const MessageListQuery = z.strictObject({
  cursor: Cursor.optional(),
  after: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  direction: z.enum(['inbound', 'outbound']).optional(),
  status: z.enum(['queued', 'sent', 'delivered', 'sandboxed', 'bounced', 'complained', 'suppressed', 'failed', 'received']).optional(),
  wait: z.coerce.number().int().min(0).max(30).default(0),
});

export const ThreadListQuery = PageQuery.extend({ inbox_id: z.string().max(40).optional() });

// Response shapes (documentation; the serializers in serialize.ts produce them).
export const InboxJson = z.object({
  id: z.string(), address: z.string(), display_name: z.string().nullable(), domain: z.string(), created_at: z.string(),
  reputation: z.object({ state: z.string() }),
});
export const KeyJson = z.object({
  id: z.string(), name: z.string(), scopes: z.array(z.string()), inbox_ids: z.array(z.string()), prefix: z.string(),
  created_at: z.string(), revoked_at: z.string().nullable(), api_key: z.string().optional(),
});
export const ThreadJson = z.object({ id: z.string(), inbox_id: z.string(), subject: z.string(), message_count: z.number(), last_message_at: z.string(), created_at: z.string() });
export const MessageJson = z.object({
  id: z.string(), inbox_id: z.string(), thread_id: z.string(), direction: z.enum(['inbound', 'outbound']), status: z.string(),
  status_reason: z.string().nullable(), from: z.string(), to: z.array(z.string()), cc: z.array(z.string()),
  bcc: z.array(z.string()).optional().meta({ description: 'Outbound only: the sender\'s own Bcc list (never in the mail itself)' }),
  reply_to: z.string().nullable(), subject: z.string(), text: z.string().nullable(), html: z.string().nullable(),
  headers: z.record(z.string(), z.string()).meta({ description: 'Top-level header fields, the first of each name, names lower-cased' }),
  message_id: z.string(), in_reply_to: z.string().nullable(),
  references: z.array(z.string()), attachments: z.array(z.object({ id: z.string(), filename: z.string(), content_type: z.string(), size: z.number() })),
  auth: z.object({
    spf: z.string(), dkim: z.string(), dmarc: z.string(), arc: z.string(),
    from_domain: z.string().nullable().meta({ description: 'The From domain DMARC aligned on' }),
  }).nullable().meta({ description: 'SPF, DKIM, DMARC and ARC verdicts of received mail (pass, fail, softfail, neutral, none, temperror, permerror); null on outbound mail' }),
  trusted: z.boolean().meta({ description: 'DMARC passed (or mail from another hosted inbox) and no list blocks the sender; true on outbound mail' }),
  extracted_text: z.string().nullable().meta({ description: 'Inbound: the reply without quoted history and signature' }),
  auto_submitted: z.boolean().meta({
    description: 'Inbound: a machine sent it (RFC 3834: Auto-Submitted other than "no", an auto-reply header, a bounce or a report); think twice before answering. False on outbound mail',
  }),
  created_at: z.string(),
  updated_at: z.string(),
  events: z.array(z.object({ id: z.string(), type: z.string(), detail: z.record(z.string(), z.unknown()).nullable(), created_at: z.string() }))
    .optional().meta({ description: 'GET /v1/messages/{id} only: the message\'s life, oldest first' }),
});
export const SendAcceptedJson = z.object({ id: z.string(), thread_id: z.string(), status: z.literal('queued') });
export const listOf = (item: z.ZodType) => z.object({ data: z.array(item), next_cursor: z.string().nullable() });
export const Problem = z.object({
  type: z.string(), title: z.string(), status: z.number(), detail: z.string(), code: z.string(), request_id: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(), rule: z.string().optional(), fix: z.string().optional(),
});
