import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildWebhookPayload, DEFAULT_MAX_BODY_BYTES, type WebhookEvent } from './payload.ts';

const CAP = DEFAULT_MAX_BODY_BYTES;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const messageUrl = (id: string) => `https://api.breakwater.test/v1/messages/${id}`;
const utf8 = (s: string) => new TextEncoder().encode(s).length;

function messageEvent(message: Record<string, unknown>): WebhookEvent {
  return {
    id: 'evt_01J0000000000000000000000',
    type: 'message.received',
    created_at: '2026-01-01T00:00:00.000Z',
    data: { message: { id: 'msg_01J0000000000000000000000', inbox_id: 'inb_1', subject: 'Hi', ...message } },
  };
}

/** 1 MiB and more of text mixing ASCII, 2-byte, 3-byte and 4-byte (surrogate pair) characters. */
const MIB_TEXT = 'Héllo wörld ☃ 👋🏽 "quoted" \\ line\n'.repeat(Math.ceil((1024 * 1024) / 30));

describe('buildWebhookPayload', () => {
  it('sends a small event as is', () => {
    const event = messageEvent({ text: 'hello', html: '<p>hello</p>' });
    const payload = buildWebhookPayload(event, { messageUrl });
    expect(payload).toEqual({ body: JSON.stringify(event), bytes: utf8(JSON.stringify(event)), truncated: false });
  });

  it('cuts a 1 MiB emoji text to the 256 KiB cap, flags it and links the full message', () => {
    expect(utf8(MIB_TEXT)).toBeGreaterThan(1024 * 1024);
    const event = messageEvent({ text: MIB_TEXT, html: null });
    const payload = buildWebhookPayload(event, { messageUrl });

    expect(payload.truncated).toBe(true);
    expect(payload.bytes).toBe(utf8(payload.body));
    expect(payload.bytes).toBeLessThanOrEqual(CAP);
    expect(payload.bytes).toBeGreaterThan(CAP - 8); // fills the cap, short of at most one escaped character
    const parsed = JSON.parse(payload.body) as WebhookEvent;
    const message = parsed.data.message as Record<string, unknown>;
    expect(message).toMatchObject({ truncated: true, url: messageUrl('msg_01J0000000000000000000000'), html: null, subject: 'Hi' });
    expect(MIB_TEXT.startsWith(message.text as string)).toBe(true);
    expect(message.text as string).not.toMatch(LONE_SURROGATE);
    expect(parsed.id).toBe(event.id);
    expect(parsed.type).toBe('message.received');
  });

  it('shares the room between a huge text and a huge html', () => {
    const html = `<p>${'Ça va? 🙂 '.repeat(100_000)}</p>`;
    const payload = buildWebhookPayload(messageEvent({ text: MIB_TEXT, html }), { messageUrl });
    const message = (JSON.parse(payload.body) as WebhookEvent).data.message as Record<string, string>;
    expect(payload.bytes).toBeLessThanOrEqual(CAP);
    expect(MIB_TEXT.startsWith(message.text!)).toBe(true);
    expect(html.startsWith(message.html!)).toBe(true);
    expect(utf8(message.text!)).toBeGreaterThan(CAP * 0.4);
    expect(utf8(message.html!)).toBeGreaterThan(CAP * 0.4);
    expect(message.html).not.toMatch(LONE_SURROGATE);
  });

  it('keeps a short html whole and gives the rest of the room to the text', () => {
    const payload = buildWebhookPayload(messageEvent({ text: MIB_TEXT, html: '<p>short</p>' }));
    const message = (JSON.parse(payload.body) as WebhookEvent).data.message as Record<string, unknown>;
    expect(message.html).toBe('<p>short</p>');
    expect(message.url).toBeUndefined(); // no link builder given
    expect(payload.bytes).toBeGreaterThan(CAP - 8);
  });

  it('never ends the text inside a surrogate pair', () => {
    // Only 4-byte characters: each possible cut point falls on a pair boundary or inside one.
    const emoji = '😀'.repeat(1000);
    for (let cap = 260; cap < 320; cap++) {
      const payload = buildWebhookPayload(messageEvent({ text: emoji }), { maxBodyBytes: cap });
      const text = ((JSON.parse(payload.body) as WebhookEvent).data.message as Record<string, string>).text!;
      expect(payload.bytes).toBeLessThanOrEqual(cap);
      expect(text).not.toMatch(LONE_SURROGATE);
      expect(text.length % 2).toBe(0);
    }
  });

  it('escapes lone surrogates and controls exactly as JSON.stringify and still meets the cap', () => {
    const odd = 'a\uD800b\uDC00c\u0001\u2028\t"\\'.repeat(5000);
    const payload = buildWebhookPayload(messageEvent({ text: odd }), { maxBodyBytes: 4096 });
    expect(payload.bytes).toBeLessThanOrEqual(4096);
    expect(payload.bytes).toBeGreaterThan(4096 - 8);
    const text = ((JSON.parse(payload.body) as WebhookEvent).data.message as Record<string, string>).text!;
    expect(odd.startsWith(text)).toBe(true);
  });

  it('fills but never exceeds any cap, for any text and html (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 3000 }),
        fc.option(fc.string({ unit: 'grapheme', maxLength: 3000 }), { nil: null }),
        fc.integer({ min: 400, max: 6000 }),
        (text, html, cap) => {
          const event = messageEvent({ text, html });
          const payload = buildWebhookPayload(event, { maxBodyBytes: cap, messageUrl });
          expect(payload.bytes).toBe(utf8(payload.body));
          expect(payload.bytes).toBeLessThanOrEqual(cap);
          const message = (JSON.parse(payload.body) as WebhookEvent).data.message as Record<string, string | null>;
          expect(text.startsWith(message.text!)).toBe(true);
          if (html !== null) expect(html.startsWith(message.html!)).toBe(true);
          if (payload.truncated) {
            expect(message.truncated).toBe(true);
            expect(payload.bytes).toBeGreaterThan(cap - 16);
          } else {
            expect(payload.body).toBe(JSON.stringify(event));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('falls back to the message identity when the rest of the message is too big', () => {
    const to = Array.from({ length: 20_000 }, (_, i) => `recipient-${i}@example.com`);
    const payload = buildWebhookPayload(messageEvent({ text: MIB_TEXT, to, from: 'a@example.com' }), { messageUrl });
    expect(payload.bytes).toBeLessThanOrEqual(CAP);
    const message = (JSON.parse(payload.body) as WebhookEvent).data.message as Record<string, unknown>;
    expect(message).toEqual({
      id: 'msg_01J0000000000000000000000', inbox_id: 'inb_1', from: 'a@example.com', subject: 'Hi',
      truncated: true, url: messageUrl('msg_01J0000000000000000000000'),
    });
  });

  it('does not change the event it was given', () => {
    const event = messageEvent({ text: MIB_TEXT });
    const before = JSON.stringify(event);
    buildWebhookPayload(event, { messageUrl });
    expect(JSON.stringify(event)).toBe(before);
  });

  it('refuses an oversized event without a message: that is a bug, not data to cut', () => {
    const event: WebhookEvent = { id: 'evt_1', type: 'inbox.reputation_changed', created_at: 'x', data: { blob: 'x'.repeat(CAP) } };
    expect(() => buildWebhookPayload(event)).toThrow(RangeError);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses maxBodyBytes %s', (maxBodyBytes) => {
    expect(() => buildWebhookPayload(messageEvent({ text: 'x' }), { maxBodyBytes })).toThrow(RangeError);
  });
});
