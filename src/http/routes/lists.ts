import { z } from 'zod';
import {
  checkListAddress, createListEntry, deleteListEntry, getListEntry, listListEntries,
} from '../../core/inbound/list-service.ts';
import type { ListEntry } from '../../core/inbound/lists.ts';
import { defineRoute, keyOf } from '../policy.ts';
import { listOf, Problem } from '../schemas.ts';
import { iso, pageAnswer } from '../serialize.ts';

const Direction = z.enum(['inbound', 'outbound']);
const InboxId = z.string().max(40);
const Cursor = z.string().regex(/^lst_[0-9A-HJKMNP-TV-Z]{26}$/, 'not a cursor returned by this API');

const ListEntryJson = z.object({
  id: z.string(), inbox_id: z.string().nullable().meta({ description: 'null: the entry applies to every inbox of the org' }),
  direction: Direction, action: z.enum(['allow', 'block']), pattern: z.string(), note: z.string().nullable(), created_at: z.string(),
});

const CreateBody = z.strictObject({
  inbox_id: InboxId.nullable().default(null).meta({ description: 'The inbox the entry applies to; null or absent for the whole org (org-scoped keys only)' }),
  direction: Direction.meta({ description: 'inbound: mail from the pattern; outbound: sends to it' }),
  action: z.enum(['allow', 'block']).meta({ description: 'Any allow entry for an inbox and direction turns its list into an allow list' }),
  pattern: z.string().min(3).max(254).refine((s) => !/[\r\n\0\s]/.test(s), 'must not contain whitespace')
    .meta({ description: 'An address (user@example.com), a domain (example.com), or its subdomains (*.example.com)', example: 'example.com' }),
  note: z.string().max(500).refine((s) => !/[\r\n\0]/.test(s), 'must not contain CR, LF or NUL').nullable().default(null),
});

const ListQuery = z.strictObject({
  inbox_id: InboxId.optional(),
  scope: z.enum(['org']).optional().meta({ description: 'org: only the org-wide entries' }),
  direction: Direction.optional(),
  cursor: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const CheckQuery = z.strictObject({ inbox_id: InboxId, direction: Direction, address: z.string().min(3).max(254) });
const CheckJson = z.object({ allowed: z.boolean(), rule: z.string().nullable(), entry: ListEntryJson.nullable() });

function listEntryJson(e: ListEntry) {
  return { id: e.id, inbox_id: e.inboxId, direction: e.direction, action: e.action, pattern: e.pattern, note: e.note, created_at: iso(e.createdAt) };
}

const notFound = { description: 'Unknown entry, or one the key may not see', schema: Problem };

/**
 * Allow and block lists (DESIGN §1 "Inbound control"): one flat resource, each entry scoped to
 * an inbox or (inbox_id null) to the org. The most specific entry wins; see src/core/inbound/lists.ts.
 */
export const listRoutes = [
  defineRoute({
    method: 'GET', path: '/v1/lists', operationId: 'listListEntries', summary: 'Allow and block list entries, newest first', tag: 'Lists',
    auth: 'key', inboxKeys: 'own', lane: 'control', query: ListQuery,
    responses: { 200: { description: 'A page of entries', schema: listOf(ListEntryJson) } },
    handler: async (ctx) => {
      const q = ctx.query;
      const page = await listListEntries(ctx.deps, keyOf(ctx), {
        inboxId: q.inbox_id, orgOnly: q.scope === 'org', direction: q.direction, cursor: q.cursor ?? null, limit: q.limit,
      });
      return pageAnswer(page, listEntryJson);
    },
  }),
  defineRoute({
    method: 'POST', path: '/v1/lists', operationId: 'createListEntry', tag: 'Lists',
    summary: 'Allow or block an address or domain, for one inbox or the whole org, inbound or outbound; applies at once',
    auth: 'key', inboxKeys: 'own', lane: 'control', body: CreateBody,
    responses: {
      201: { description: 'Created', schema: ListEntryJson },
      403: { description: 'An inbox-scoped key cannot manage org-wide entries', schema: Problem },
      409: { description: 'The same pattern is already listed in this scope and direction', schema: Problem },
      422: { description: 'Invalid pattern or unknown inbox', schema: Problem },
    },
    handler: async (ctx) => {
      const b = ctx.body;
      const entry = await createListEntry(ctx.deps, keyOf(ctx), { inboxId: b.inbox_id, direction: b.direction, action: b.action, pattern: b.pattern, note: b.note });
      return { status: 201, body: listEntryJson(entry) };
    },
  }),
  // Before /v1/lists/:id, so `check` is never read as an id.
  defineRoute({
    method: 'GET', path: '/v1/lists/check', operationId: 'checkListAddress', tag: 'Lists',
    summary: 'What the lists decide for an address and an inbox: the entry that applies, or why none does',
    auth: 'key', inboxKeys: 'own', lane: 'control', query: CheckQuery,
    responses: { 200: { description: 'The decision', schema: CheckJson }, 404: { description: 'Unknown inbox', schema: Problem } },
    handler: async (ctx) => {
      const q = ctx.query;
      const d = await checkListAddress(ctx.deps, keyOf(ctx), q.inbox_id, q.direction, q.address);
      return { status: 200, body: { allowed: d.allowed, rule: d.allowed ? null : d.rule, entry: d.entry ? listEntryJson(d.entry) : null } };
    },
  }),
  defineRoute({
    method: 'GET', path: '/v1/lists/:id', operationId: 'getListEntry', summary: 'One list entry', tag: 'Lists',
    auth: 'key', inboxKeys: 'own', lane: 'control',
    responses: { 200: { description: 'The entry', schema: ListEntryJson }, 404: notFound },
    handler: async (ctx) => ({ status: 200, body: listEntryJson(await getListEntry(ctx.deps, keyOf(ctx), ctx.params.id!)) }),
  }),
  defineRoute({
    method: 'DELETE', path: '/v1/lists/:id', operationId: 'deleteListEntry', summary: 'Remove a list entry; applies at once', tag: 'Lists',
    auth: 'key', inboxKeys: 'own', lane: 'control',
    responses: { 204: { description: 'Deleted' }, 404: notFound },
    handler: async (ctx) => {
      await deleteListEntry(ctx.deps, keyOf(ctx), ctx.params.id!);
      return { status: 204, body: null };
    },
  }),
];
