import { createInbox, deleteInbox, getInbox, listInboxes, updateInbox } from '../../core/inboxes/inbox-service.ts';
import { reputationState } from '../../core/reputation/reputation-api.ts';
import { defineRoute, keyOf } from '../policy.ts';
import { CreateInboxBody, InboxJson, listOf, PageQuery, Problem, UpdateInboxBody } from '../schemas.ts';
import { inboxJson, pageAnswer } from '../serialize.ts';

export const inboxRoutes = [
  defineRoute({
    method: 'GET', path: '/v1/inboxes', operationId: 'listInboxes', summary: 'List inboxes', tag: 'Inboxes',
    auth: 'key', inboxKeys: 'own', lane: 'control', query: PageQuery,
    responses: { 200: { description: 'Inboxes, newest first', schema: listOf(InboxJson) } },
    handler: async (ctx) => {
      const page = await listInboxes(ctx.deps, keyOf(ctx), ctx.query.cursor ?? null, ctx.query.limit);
      return pageAnswer(page, (i) => inboxJson(i, reputationState(ctx.deps, i.id)));
    },
  }),
  defineRoute({
    method: 'POST', path: '/v1/inboxes', operationId: 'createInbox', summary: 'Create an inbox (an email identity)', tag: 'Inboxes',
    // Each call makes a new identity, so identical bodies are not a loop; the plan caps inboxes.
    auth: 'key', inboxKeys: 'refused', lane: 'control', body: CreateInboxBody, loopCheck: false,
    responses: { 201: { description: 'Created', schema: InboxJson }, 409: { description: 'Address taken', schema: Problem } },
    handler: async (ctx) => {
      const inbox = await createInbox(ctx.deps, keyOf(ctx), { username: ctx.body.username, domain: ctx.body.domain, displayName: ctx.body.display_name });
      return { status: 201, body: inboxJson(inbox, reputationState(ctx.deps, inbox.id)) };
    },
  }),
  defineRoute({
    method: 'GET', path: '/v1/inboxes/:id', operationId: 'getInbox', summary: 'Get an inbox', tag: 'Inboxes',
    auth: 'key', inboxKeys: 'own', lane: 'control',
    responses: { 200: { description: 'The inbox', schema: InboxJson }, 404: { description: 'Unknown inbox', schema: Problem } },
    handler: async (ctx) => {
      const inbox = await getInbox(ctx.deps, keyOf(ctx), ctx.params.id!);
      return { status: 200, body: inboxJson(inbox, reputationState(ctx.deps, inbox.id)) };
    },
  }),
  defineRoute({
    method: 'PATCH', path: '/v1/inboxes/:id', operationId: 'updateInbox', summary: 'Update an inbox', tag: 'Inboxes',
    auth: 'key', inboxKeys: 'own', lane: 'control', body: UpdateInboxBody,
    responses: { 200: { description: 'Updated', schema: InboxJson }, 404: { description: 'Unknown inbox', schema: Problem } },
    handler: async (ctx) => ({
      status: 200,
      body: inboxJson(await updateInbox(ctx.deps, keyOf(ctx), ctx.params.id!, { displayName: ctx.body.display_name }), reputationState(ctx.deps, ctx.params.id!)),
    }),
  }),
  defineRoute({
    method: 'DELETE', path: '/v1/inboxes/:id', operationId: 'deleteInbox', summary: 'Delete an inbox and its mail', tag: 'Inboxes',
    auth: 'key', inboxKeys: 'refused', lane: 'control',
    responses: { 204: { description: 'Deleted' }, 404: { description: 'Unknown inbox', schema: Problem } },
    handler: async (ctx) => {
      await deleteInbox(ctx.deps, keyOf(ctx), ctx.params.id!);
      return { status: 204, body: null };
    },
  }),
];
