import { topics } from '../../core/context.ts';
import { BreakwaterError } from '../../core/errors.ts';
import { eventScope, readEvents, type EventFilter } from '../../core/events/event-log.ts';
import { eventPayload } from '../../core/events/event-payload.ts';
import type { EventType } from '../../core/model.ts';
import { defineRoute, keyOf } from '../policy.ts';
import { listOf, Problem } from '../schemas.ts';
import { eventStream, sseFrame } from '../sse.ts';
import { EventId, EventJson, EventListQuery, EventStreamQuery } from '../webhook-shapes.ts';
import { pageAnswer } from '../serialize.ts';

// Small batches bound what one stream holds in memory (an event may carry a 256 KiB message).
const STREAM_BATCH = 25;

function filterOf(q: { type?: EventType[]; types?: EventType[]; inbox_id?: string }): EventFilter {
  const types = [...(q.type ?? []), ...(q.types ?? [])];
  return { types: types.length > 0 ? types : undefined, inboxId: q.inbox_id };
}

/**
 * The event log (DESIGN §4). Both routes are on the inbound lane: they are how agents hear
 * about their mail, and must keep working while an outbound lane is throttled or paused.
 */
export const eventRoutes = [
  defineRoute({
    method: 'GET', path: '/v1/events', operationId: 'listEvents', tag: 'Events',
    summary: 'The org event log, OLDEST first after `cursor`: pass the id of the last event you processed to catch up; '
      + '`next_cursor` is set while more are waiting. Filters: `type` (comma list), `inbox_id`',
    auth: 'key', inboxKeys: 'own', lane: 'inbound', query: EventListQuery,
    responses: { 200: { description: 'Events after the cursor, oldest first', schema: listOf(EventJson) }, 404: { description: 'Unknown inbox', schema: Problem } },
    handler: async (ctx) => {
      const q = ctx.query;
      const page = await readEvents(ctx.deps, keyOf(ctx), q.cursor ?? null, q.limit, filterOf(q));
      const publicUrl = ctx.deps.settings.publicUrl;
      return pageAnswer(page, (e) => eventPayload(e, publicUrl));
    },
  }),
  defineRoute({
    method: 'GET', path: '/v1/events/stream', operationId: 'streamEvents', tag: 'Events',
    summary: 'The event log live, as Server-Sent Events (`id` = event id, `event` = type, `data` = the payload). '
      + 'Resume with the Last-Event-ID header (or `last_event_id`): the missed events come first, then live ones; '
      + 'without it the stream starts at now. Filters `types` (comma list) and `inbox_id`; a heartbeat comment every 15 s',
    auth: 'key', inboxKeys: 'own', lane: 'inbound', query: EventStreamQuery,
    responses: { 200: { description: 'An endless text/event-stream', contentType: 'text/event-stream' }, 404: { description: 'Unknown inbox', schema: Problem } },
    handler: async (ctx) => {
      const p = keyOf(ctx);
      const { deps } = ctx;
      const header = ctx.c.req.header('last-event-id');
      if (header !== undefined && !EventId.safeParse(header.trim()).success) {
        throw new BreakwaterError('validation_failed', 'Last-Event-ID is not an event id of this API', {
          errors: [{ path: 'Last-Event-ID', message: 'expected evt_… as sent in an `id:` line' }],
          fix: 'Send the id of the last event you received, or no Last-Event-ID to start from now.',
        });
      }
      const filter = filterOf(ctx.query);
      const inboxIds = await eventScope(deps, p, filter);
      const after = header?.trim() ?? ctx.query.last_event_id ?? (await deps.store.latestEventId(p.orgId));
      const publicUrl = deps.settings.publicUrl;
      const body = eventStream({
        after, batch: STREAM_BATCH, settings: deps.sse, signal: ctx.signal,
        tail: {
          read: async (cursor) => (await deps.store.listEvents(p.orgId, { after: cursor, limit: STREAM_BATCH, types: filter.types, inboxIds })).data,
          wait: (ms, signal) => deps.notifier.wait(topics.events(p.orgId), ms, signal),
        },
        frame: (e) => sseFrame(e.id, e.type, JSON.stringify(eventPayload(e, publicUrl))),
      });
      // Headers up front with a stream body: @hono/node-server sends it as is (DESIGN §9's trap).
      // `connection: close`: when a stream ends (shutdown, slow consumer) its socket goes too,
      // instead of idling in the client's pool and holding up the server's close (HTTP/1.1 only).
      return new Response(body, {
        status: 200,
        headers: {
          'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no',
          connection: 'close', 'x-request-id': ctx.requestId,
        },
      });
    },
  }),
];
