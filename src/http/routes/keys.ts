import { createKey, listKeys, revokeKey } from '../../core/keys/key-service.ts';
import { defineRoute, keyOf } from '../policy.ts';
import { CreateKeyBody, KeyJson, listOf, PageQuery, Problem } from '../schemas.ts';
import { keyJson, pageAnswer } from '../serialize.ts';

export const keyRoutes = [
  defineRoute({
    method: 'GET', path: '/v1/keys', operationId: 'listKeys', summary: 'List API keys', tag: 'Keys',
    auth: 'key', inboxKeys: 'refused', lane: 'control', query: PageQuery,
    responses: { 200: { description: 'Keys, newest first', schema: listOf(KeyJson) } },
    handler: async (ctx) => {
      const page = await listKeys(ctx.deps, keyOf(ctx), ctx.query.cursor ?? null, ctx.query.limit);
      return pageAnswer(page, keyJson);
    },
  }),
  defineRoute({
    method: 'POST', path: '/v1/keys', operationId: 'createKey', summary: 'Create an API key (shown once)', tag: 'Keys',
    auth: 'key', inboxKeys: 'refused', lane: 'control', body: CreateKeyBody,
    responses: { 201: { description: 'Created; api_key is shown once', schema: KeyJson }, 403: { description: 'Inbox-scoped keys cannot create keys', schema: Problem } },
    handler: async (ctx) => {
      const { key, plain } = await createKey(ctx.deps, keyOf(ctx), { name: ctx.body.name, scope: ctx.body.scopes[0]!, inboxIds: ctx.body.inbox_ids });
      return { status: 201, body: { ...keyJson(key), api_key: plain } };
    },
  }),
  defineRoute({
    method: 'DELETE', path: '/v1/keys/:id', operationId: 'revokeKey', summary: 'Revoke an API key', tag: 'Keys',
    auth: 'key', inboxKeys: 'refused', lane: 'control',
    responses: { 200: { description: 'Revoked', schema: KeyJson }, 404: { description: 'Unknown key', schema: Problem } },
    handler: async (ctx) => {
      const key = await revokeKey(ctx.deps, keyOf(ctx), ctx.params.id!);
      ctx.deps.keys.evict(key.hash);
      return { status: 200, body: keyJson(key) };
    },
  }),
];
