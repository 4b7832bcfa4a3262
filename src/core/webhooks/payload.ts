/**
 * The webhook request body: `{"id","type","created_at","data"}` as JSON (DESIGN §4), kept under
 * a byte cap because receivers (serverless functions, API gateways) reject large bodies and we
 * pay for every retry. An oversized message is cut, flagged, and linked to its full copy.
 */

/** Receivers commonly accept 256 KiB and more; the full message stays one API call away. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export interface WebhookEvent {
  id: string;
  type: string;
  created_at: string;
  /** Event data; message events carry the message as `data.message` (API shape). */
  data: Record<string, unknown>;
}

export interface BuildWebhookPayloadOptions {
  /** Upper bound of the UTF-8 body in bytes (default 256 KiB). */
  maxBodyBytes?: number;
  /** Link to the full message, set as `data.message.url` when the message is cut. */
  messageUrl?: (id: string) => string;
}

export interface WebhookPayload {
  /** The exact JSON to sign and send; never re-serialize it (the signature covers these bytes). */
  body: string;
  /** UTF-8 length of `body`, at most the cap. */
  bytes: number;
  truncated: boolean;
}

/** Message fields kept when even an empty text and html do not fit (e.g. thousands of recipients). */
const STUB_FIELDS = ['id', 'inbox_id', 'thread_id', 'direction', 'status', 'from', 'subject', 'message_id', 'created_at'];

const encoder = new TextEncoder();

/**
 * Serializes the event. When `data.message` makes it exceed `maxBodyBytes`, the message's `text`
 * and `html` are cut (on code point boundaries) to fill the cap, with `truncated: true` and `url`;
 * failing that, the message is reduced to its identifying fields. Throws a RangeError when the
 * event cannot fit at all (a non-message event that large is a bug, not data to cut).
 */
export function buildWebhookPayload(event: WebhookEvent, options: BuildWebhookPayloadOptions = {}): WebhookPayload {
  const cap = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // A memory limit: parsed strictly, never defaulted from a bad value (STYLE, "Errors").
  if (!Number.isSafeInteger(cap) || cap <= 0) throw new RangeError(`maxBodyBytes must be a positive integer, got ${cap}`);

  const full = serialize(event);
  if (full.bytes <= cap) return { ...full, truncated: false };

  const message = event.data.message;
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new RangeError(`${event.type} event ${event.id} is ${full.bytes} bytes, over the ${cap}-byte webhook cap`);
  }
  const original = message as Record<string, unknown>;
  const id = typeof original.id === 'string' ? original.id : null;
  const marks: Record<string, unknown> = { truncated: true };
  if (id !== null && options.messageUrl) marks.url = options.messageUrl(id);
  const withMessage = (m: Record<string, unknown>) => serialize({ ...event, data: { ...event.data, message: m } });

  const cut = cutBodies(original, marks, cap, withMessage);
  if (cut) return { ...cut, truncated: true };

  const stub: Record<string, unknown> = {};
  for (const field of STUB_FIELDS) if (field in original) stub[field] = original[field];
  for (const candidate of [{ ...stub, ...marks }, { id, ...marks }]) {
    const reduced = withMessage(candidate);
    if (reduced.bytes <= cap) return { ...reduced, truncated: true };
  }
  throw new RangeError(`${event.type} event ${event.id} does not fit the ${cap}-byte webhook cap even without its message`);
}

/** Cuts `text` and `html` to share the room left by everything else; null when there is no room. */
function cutBodies(
  message: Record<string, unknown>,
  marks: Record<string, unknown>,
  cap: number,
  withMessage: (m: Record<string, unknown>) => { body: string; bytes: number },
): { body: string; bytes: number } | null {
  // extracted_text (inbound) is a body too: usually short, so it keeps whole while text and html are cut.
  const fields = (['text', 'html', 'extracted_text'] as const).filter((f) => typeof message[f] === 'string');
  if (fields.length === 0) return null;
  const values = fields.map((f) => message[f] as string);

  const empty = withMessage({ ...message, ...Object.fromEntries(fields.map((f) => [f, ''])), ...marks });
  const room = cap - empty.bytes;
  if (room < 0) return null;

  // Each field's escaped size adds exactly to the empty skeleton, so the budgets are exact.
  const budgets = share(room, values.map((v) => fitPrefix(v, Infinity).cost));
  const kept = Object.fromEntries(fields.map((f, i) => [f, values[i]!.slice(0, fitPrefix(values[i]!, budgets[i]!).end)]));
  const result = withMessage({ ...message, ...kept, ...marks });
  // Belt and braces: the cap is the promise, whatever the size model says.
  return result.bytes <= cap ? result : null;
}

/** Equal shares of `room`; a field needing less than its share leaves the rest to the others. */
function share(room: number, costs: number[]): number[] {
  const out = costs.map(() => 0);
  // Smallest first: each takes what it needs, up to an equal split of what is left.
  const order = costs.map((_, i) => i).sort((x, y) => costs[x]! - costs[y]!);
  let left = room;
  order.forEach((i, k) => {
    out[i] = k === order.length - 1 ? left : Math.min(costs[i]!, Math.floor(left / (order.length - k)));
    left -= out[i]!;
  });
  return out;
}

/** JSON short escapes (RFC 8259 §7): \b \t \n \f \r. Other C0 controls take six bytes (\u00XX). */
const SHORT_ESCAPES = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

/**
 * The longest prefix of `s` whose JSON-escaped UTF-8 form fits in `budget` bytes, never ending
 * between the two halves of a surrogate pair. Mirrors JSON.stringify, which since ES2019 escapes
 * lone surrogates as \uXXXX instead of emitting invalid UTF-8.
 */
function fitPrefix(s: string, budget: number): { end: number; cost: number } {
  let i = 0;
  let cost = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    let units = 1;
    let bytes: number;
    if (c < 0x80) bytes = c === 0x22 || c === 0x5c ? 2 : c >= 0x20 ? 1 : SHORT_ESCAPES.has(c) ? 2 : 6;
    else if (c < 0x800) bytes = 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes = 4;
      units = 2;
    } else if (c >= 0xd800 && c <= 0xdfff) bytes = 6;
    else bytes = 3;
    if (cost + bytes > budget) break;
    cost += bytes;
    i += units;
  }
  return { end: i, cost };
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function serialize(value: unknown): { body: string; bytes: number } {
  const body = JSON.stringify(value);
  return { body, bytes: encoder.encode(body).length };
}
