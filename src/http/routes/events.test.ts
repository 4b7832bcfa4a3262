import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { SseReader } from '../../../test/helpers/sse.ts';
import { announceEvents } from '../../core/events/announce.ts';
import type { EventType, NewOrgEvent } from '../../core/model.ts';

describe('event log and stream', () => {
  let now = Date.UTC(2026, 0, 5);
  let t: TestApp;
  let org: { orgId: string; key: string };
  beforeAll(async () => {
    t = await buildTestApp({ clock: () => now, sse: { heartbeatMs: 40, stallMs: 100, bufferBytes: 2048 } });
  });
  beforeEach(async () => {
    org = await t.createOrg();
  });
  afterAll(() => t.close());

  /** Appends events straight to the log, as other producers (quarantine, reputation) will. */
  async function append(n: number, inboxId: string | null = null, type: EventType = 'quarantine.added'): Promise<string[]> {
    const drafts: NewOrgEvent[] = Array.from({ length: n }, (_, i) => ({
      orgId: org.orgId, inboxId, type, lane: 'control', data: { n: i, pad: 'x'.repeat(200) }, createdAt: now,
    }));
    const events = await t.store.appendEvents(drafts);
    announceEvents(t.deps.notifier, [org.orgId]);
    return events.map((e) => e.id);
  }
  const list = (query: string, key = org.key) => t.request('GET', `/v1/events${query}`, { key });
  const stream = (query = '', headers: Record<string, string> = {}, key = org.key) =>
    t.app.request(`/v1/events/stream${query}`, { headers: { authorization: `Bearer ${key}`, ...headers } });

  describe('GET /v1/events', () => {
    it('catches up from a cursor: every event once, oldest first, then only the new ones', async () => {
      const ids = await append(7);
      const seen: string[] = [];
      let cursor = '';
      for (;;) {
        const res = await list(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.data.map((e: { id: string }) => e.id));
        if (!res.body.next_cursor) break;
        cursor = res.body.next_cursor;
      }
      expect(seen).toEqual(ids);
      const more = await append(2);
      const next = await list(`?cursor=${seen.at(-1)}`);
      expect(next.body).toMatchObject({ data: more.map((id) => ({ id })), next_cursor: null });
      expect(next.body.data[0]).toEqual({ id: more[0], type: 'quarantine.added', created_at: new Date(now).toISOString(), data: { n: 0, pad: 'x'.repeat(200) } });
    });

    it('keeps commit order when the clock steps back, so a cursor never skips an event', async () => {
      const [first] = await append(1);
      now -= 60_000;
      const [second] = await append(1);
      now += 60_000;
      expect(second! > first!).toBe(true);
      expect((await list(`?cursor=${first}`)).body.data.map((e: { id: string }) => e.id)).toEqual([second]);
    });

    it('filters by type and inbox; an inbox-scoped key sees only its inboxes', async () => {
      const a = (await t.request('POST', '/v1/inboxes', { key: org.key, body: {} })).body.id;
      const b = (await t.request('POST', '/v1/inboxes', { key: org.key, body: {} })).body.id;
      const [ea] = await append(1, a);
      const [eb] = await append(1, b, 'quarantine.removed');
      const [eo] = await append(1, null);
      const ids = async (q: string, key?: string) => (await list(q, key)).body.data.map((e: { id: string }) => e.id);
      expect(await ids('')).toEqual([ea, eb, eo]);
      expect(await ids('?type=quarantine.removed')).toEqual([eb]);
      expect(await ids('?types=quarantine.added,quarantine.removed')).toEqual([ea, eb, eo]);
      expect(await ids(`?inbox_id=${a}`)).toEqual([ea]);
      const scoped = (await t.request('POST', '/v1/keys', { key: org.key, body: { scopes: ['inbox'], inbox_ids: [a] } })).body.api_key;
      expect(await ids('', scoped)).toEqual([ea]);
      expect((await list(`?inbox_id=${b}`, scoped)).status).toBe(404);
      // Another org sees none of it.
      expect((await list('', (await t.createOrg()).key)).body.data).toEqual([]);
    });

    it('refuses bad cursors and types', async () => {
      expect((await list('?cursor=msg_01JAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(422);
      expect((await list('?type=message.exploded')).status).toBe(422);
      expect((await t.request('GET', '/v1/events')).status).toBe(401);
    });
  });

  describe('GET /v1/events/stream', () => {
    it('streams from now, with frames carrying id, type and the payload', async () => {
      await append(2);
      const res = await stream();
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const sse = SseReader.of(res.body);
      expect((await sse.frame())!.retry).toBe(2000);
      const live = await append(2);
      const frames = await sse.events(2);
      expect(frames.map((f) => f.id)).toEqual(live);
      expect(frames[0]!.event).toBe('quarantine.added');
      expect(JSON.parse(frames[0]!.data!)).toMatchObject({ id: live[0], type: 'quarantine.added', data: { n: 0 } });
      await sse.close();
    });

    it('resumes after Last-Event-ID with exactly the missed events, then live ones', async () => {
      const first = SseReader.of((await stream()).body);
      const before = await append(3);
      expect((await first.events(3)).map((f) => f.id)).toEqual(before);
      await first.close();
      const missed = await append(4);
      const again = SseReader.of((await stream('', { 'last-event-id': before[2]! })).body);
      expect((await again.events(4)).map((f) => f.id)).toEqual(missed);
      const live = await append(1);
      expect((await again.event()).id).toBe(live[0]);
      await again.close();
      // The query parameter does the same for clients that cannot set the header.
      const viaQuery = SseReader.of((await stream(`?last_event_id=${missed[1]}`)).body);
      expect((await viaQuery.events(3)).map((f) => f.id)).toEqual([missed[2], missed[3], live[0]]);
      await viaQuery.close();
    });

    it('filters by type and sends heartbeats while quiet', async () => {
      const sse = SseReader.of((await stream('?types=quarantine.removed')).body);
      await append(2, null, 'quarantine.added');
      const [wanted] = await append(1, null, 'quarantine.removed');
      expect((await sse.event()).id).toBe(wanted);
      expect(sse.comments).toContain('connected');
      // Quiet now: heartbeats (40 ms in this app) keep coming.
      for (let i = 0; i < 3; i++) expect((await sse.frame(2000))!.comments).toEqual(['heartbeat']);
      await sse.close();
    });

    it('cuts off a consumer that stops reading instead of buffering for it', async () => {
      const res = await stream();
      const reader = res.body!.getReader();
      await append(30); // about 12 KiB of frames against a 2 KiB buffer
      await new Promise((r) => setTimeout(r, 400)); // past the 100 ms stall bound
      await expect(reader.read()).rejects.toThrow(/too slow/);
    });

    it('refuses a malformed Last-Event-ID', async () => {
      const res = await stream('', { 'last-event-id': 'garbage' });
      expect(res.status).toBe(422);
      expect((await res.json()).errors[0].path).toBe('Last-Event-ID');
    });
  });
});
