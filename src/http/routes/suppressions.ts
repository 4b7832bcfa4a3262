import { z } from 'zod';
import { addSuppression, listSuppressions, removeSuppression } from '../../core/suppressions/suppression-service.ts';
import { SUPPRESSION_REASONS, type Suppression } from '../../core/suppressions/suppression.ts';
import { defineRoute, keyOf } from '../policy.ts';
import { Address, listOf, PageQuery, Problem } from '../schemas.ts';
import { iso, pageAnswer } from '../serialize.ts';

const Reason = z.enum(SUPPRESSION_REASONS as [string, ...string[]]);

const SuppressionJson = z.object({
  address: z.string(), reason: Reason, source: z.enum(['auto', 'api']), message_id: z.string().optional(),
  created_at: z.string(), expires_at: z.string().optional(),
});

const AddSuppressionBody = z.strictObject({
  address: Address,
  reason: Reason.default('manual'),
  /** Manual entries may expire; omitted or null: until removed. */
  ttl_seconds: z.number().int().min(60).max(10 * 365 * 86_400).nullable().default(null),
});

/** DESIGN §4 Suppression: `message_id` and `expires_at` only when set. */
export function suppressionJson(s: Suppression) {
  return {
    address: s.address, reason: s.reason, source: s.source, ...(s.messageId ? { message_id: s.messageId } : {}),
    created_at: iso(s.createdAt), ...(s.expiresAt !== null ? { expires_at: iso(s.expiresAt) } : {}),
  };
}

/** The org's suppression list (DESIGN §4): hard bounces and complaints add to it on their own. */
export const suppressionRoutes = [
  defineRoute({
    method: 'GET', path: '/v1/suppressions', operationId: 'listSuppressions', summary: 'Addresses the org does not send to, newest first', tag: 'Suppressions',
    auth: 'key', inboxKeys: 'allowed', lane: 'control', query: PageQuery,
    responses: { 200: { description: 'Suppressions in force', schema: listOf(SuppressionJson) } },
    handler: async (ctx) => {
      const page = await listSuppressions(ctx.deps, keyOf(ctx), ctx.query.cursor ?? null, ctx.query.limit);
      return pageAnswer(page, suppressionJson);
    },
  }),
  defineRoute({
    method: 'POST', path: '/v1/suppressions', operationId: 'addSuppression', summary: 'Suppress an address for the org', tag: 'Suppressions',
    auth: 'key', inboxKeys: 'refused', lane: 'control', body: AddSuppressionBody,
    responses: { 201: { description: 'Added (or replaced)', schema: SuppressionJson }, 403: { description: 'Inbox-scoped keys cannot change the list', schema: Problem } },
    handler: async (ctx) => {
      const entry = await addSuppression(ctx.deps, keyOf(ctx), {
        address: ctx.body.address, reason: ctx.body.reason as Suppression['reason'], ttlSeconds: ctx.body.ttl_seconds,
      });
      return { status: 201, body: suppressionJson(entry) };
    },
  }),
  defineRoute({
    method: 'DELETE', path: '/v1/suppressions/:address', operationId: 'removeSuppression', summary: 'Send to an address again', tag: 'Suppressions',
    auth: 'key', inboxKeys: 'refused', lane: 'control',
    responses: { 204: { description: 'Removed' }, 404: { description: 'Not on the list', schema: Problem } },
    handler: async (ctx) => {
      // An address that cannot be on the list is simply not there: 404, like any other.
      await removeSuppression(ctx.deps, keyOf(ctx), ctx.params.address!.slice(0, 320));
      return { status: 204, body: null };
    },
  }),
];
