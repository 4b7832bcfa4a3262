import { describe, expect, it } from 'vitest';
import { isId } from '../ids.ts';
import type { Message } from '../model.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../webhooks/payload.ts';
import { MonotonicEventIds } from './event-ids.ts';
import { eventPayload } from './event-payload.ts';
import { messageEvent, statusEventType } from './message-events.ts';

const message: Message = {
  id: 'msg_01JAAAAAAAAAAAAAAAAAAAAAAA', orgId: 'org_1', inboxId: 'inb_1', threadId: 'thr_1', direction: 'inbound', status: 'received',
  statusReason: null, from: 'a@example.net', to: ['b@agents.localhost'], cc: [], bcc: ['hidden@example.net'], replyTo: null, subject: 'Hi',
  text: 'hello', html: null, headers: {}, messageId: '<1@example.net>', inReplyTo: null, references: [], auth: null, autoSubmitted: false, createdAt: 1_000, updatedAt: 1_000,
};

describe('MonotonicEventIds', () => {
  it('keeps increasing in one millisecond and when the clock steps back', () => {
    const ids = new MonotonicEventIds();
    const times = [5_000, 5_000, 5_000, 4_000, 6_000, 6_000, 1_000];
    const made = times.map((t) => ids.next(t));
    for (const id of made) expect(isId(id, 'evt')).toBe(true);
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });
});

describe('message events', () => {
  it('maps statuses to event types; queued, sandboxed and suppressed are not events', () => {
    expect(statusEventType('received')).toBe('message.received');
    expect(statusEventType('bounced')).toBe('message.bounced');
    expect(statusEventType('queued')).toBeNull();
    expect(statusEventType('sandboxed')).toBeNull();
    expect(statusEventType('suppressed')).toBeNull();
    expect(messageEvent({ ...message, direction: 'outbound', status: 'queued' }, [], 1)).toBeNull();
  });

  it('carries the message on its lane, without the bcc list of inbound mail', () => {
    const e = messageEvent(message, [], 2_000)!;
    expect(e).toMatchObject({ orgId: 'org_1', inboxId: 'inb_1', type: 'message.received', lane: 'inbound', createdAt: 2_000 });
    expect(e.data.message).toMatchObject({ id: message.id, text: 'hello', subject: 'Hi' });
    expect((e.data.message as Record<string, unknown>).bcc).toBeUndefined();
    expect(messageEvent({ ...message, direction: 'outbound', status: 'delivered' }, [], 3)!.lane).toBe('outbound');
  });

  it('stores a large message cut to fit, and serves it with the link to the full one', () => {
    const e = messageEvent({ ...message, text: 'é'.repeat(300_000), html: '<p>x</p>'.repeat(20_000) }, [], 2_000)!;
    const served = eventPayload({ ...e, id: 'evt_01JAAAAAAAAAAAAAAAAAAAAAAA' }, 'https://api.example.com/');
    const bytes = new TextEncoder().encode(JSON.stringify(served)).length;
    expect(bytes).toBeLessThanOrEqual(DEFAULT_MAX_BODY_BYTES);
    expect(bytes).toBeGreaterThan(DEFAULT_MAX_BODY_BYTES - 2048);
    expect(served.data.message).toMatchObject({ truncated: true, url: `https://api.example.com/v1/messages/${message.id}` });
  });
});
