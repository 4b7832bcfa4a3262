import { assertInbox, visibleInboxIds } from '../../core/auth/principal.ts';
import { notFound } from '../../core/errors.ts';
import { defineRoute, keyOf } from '../policy.ts';
import { listOf, MessageJson, Problem, ThreadJson, ThreadListQuery } from '../schemas.ts';
import { messageJson, pageAnswer, threadJson } from '../serialize.ts';
import { z } from 'zod';

export const threadRoutes = [
  defineRoute({
    method: 'GET', path: '/v1/threads', operationId: 'listThreads', summary: 'List conversations, newest first', tag: 'Threads',
    auth: 'key', inboxKeys: 'own', lane: 'inbound', query: ThreadListQuery,
    responses: { 200: { description: 'Threads', schema: listOf(ThreadJson) } },
    handler: async (ctx) => {
      const p = keyOf(ctx);
      if (ctx.query.inbox_id) {
        assertInbox(p, ctx.query.inbox_id);
        // Another org's inbox is absent here as everywhere: 404, not an empty list.
        if (!(await ctx.deps.store.getInbox(p.orgId, ctx.query.inbox_id))) throw notFound('inbox');
      }
      const page = await ctx.deps.store.listThreads(p.orgId, {
        cursor: ctx.query.cursor ?? null, limit: ctx.query.limit, inboxId: ctx.query.inbox_id, inboxIds: visibleInboxIds(p),
      });
      return pageAnswer(page, threadJson);
    },
  }),
  defineRoute({
    method: 'GET', path: '/v1/threads/:id', operationId: 'getThread', summary: 'A thread with its messages, oldest first', tag: 'Threads',
    auth: 'key', inboxKeys: 'own', lane: 'inbound',
    responses: { 200: { description: 'The thread', schema: ThreadJson.extend({ messages: z.array(MessageJson) }) }, 404: { description: 'Unknown thread', schema: Problem } },
    handler: async (ctx) => {
      const p = keyOf(ctx);
      const t = await ctx.deps.store.getThread(p.orgId, ctx.params.id!);
      if (!t) throw notFound('thread');
      assertInbox(p, t.inboxId);
      const page = await ctx.deps.store.listThreadMessages(t.id, 500);
      return { status: 200, body: { ...threadJson(t), messages: page.map((m) => messageJson(m)) } };
    },
  }),
];
