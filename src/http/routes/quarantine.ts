import { z } from 'zod';
import { addQuarantine, listQuarantine, removeQuarantine, type QuarantineDeps } from '../../core/quarantine/quarantine-service.ts';
import type { QuarantineEntry } from '../../core/quarantine/quarantine.ts';
import type { AppDeps } from '../app-deps.ts';
import { defineRoute } from '../policy.ts';
import { Problem } from '../schemas.ts';
import { iso } from '../serialize.ts';

const QuarantineJson = z.object({
  id: z.string(), kind: z.enum(['key', 'inbox', 'domain']), target: z.string(), lane: z.enum(['inbound', 'outbound', 'both']),
  reason: z.string(), source: z.enum(['auto', 'operator']), created_at: z.string(), expires_at: z.string().nullable(),
});

const AddBody = z.strictObject({
  kind: z.enum(['key', 'inbox', 'domain']),
  target: z.string().min(1).max(253).regex(/^[A-Za-z0-9_.-]+$/, 'a key id, an inbox id or a domain name'),
  lane: z.enum(['inbound', 'outbound', 'both']),
  reason: z.string().min(1).max(500).refine((s) => !/[\r\n\0]/.test(s), 'must not contain CR, LF or NUL'),
  ttl_seconds: z.number().int().min(1).max(365 * 86_400).nullable().default(3600),
});

export function quarantineJson(e: QuarantineEntry) {
  return { id: e.id, kind: e.kind, target: e.target, lane: e.lane, reason: e.reason, source: e.source, created_at: iso(e.createdAt), expires_at: iso(e.expiresAt) };
}

const qdeps = (deps: AppDeps): QuarantineDeps => ({ deps, registry: deps.edge.quarantine, onChange: deps.edge.onQuarantine });

export const quarantineRoutes = [
  defineRoute({
    method: 'GET', path: '/v1/quarantine', operationId: 'listQuarantine', summary: 'Quarantined keys, inboxes and domains in force', tag: 'Quarantine',
    auth: 'operator_or_key', inboxKeys: 'refused', lane: 'control',
    responses: { 200: { description: 'Entries, newest first', schema: z.object({ data: z.array(QuarantineJson), next_cursor: z.null() }) } },
    handler: async ({ deps, principal }) => ({ status: 200, body: { data: listQuarantine(qdeps(deps), principal!).map(quarantineJson), next_cursor: null } }),
  }),
  defineRoute({
    method: 'POST', path: '/v1/quarantine', operationId: 'addQuarantine', summary: 'Quarantine a key, inbox or domain on one lane or both', tag: 'Quarantine',
    auth: 'operator_or_key', inboxKeys: 'refused', lane: 'control', body: AddBody,
    responses: { 201: { description: 'Added', schema: QuarantineJson }, 403: { description: 'Org keys cannot quarantine domains', schema: Problem } },
    handler: async ({ deps, principal, body }) => {
      const entry = await addQuarantine(qdeps(deps), principal!, { kind: body.kind, target: body.target, lane: body.lane, reason: body.reason, ttlSeconds: body.ttl_seconds });
      return { status: 201, body: quarantineJson(entry) };
    },
  }),
  defineRoute({
    method: 'DELETE', path: '/v1/quarantine/:id', operationId: 'removeQuarantine', summary: 'Release a quarantine', tag: 'Quarantine',
    auth: 'operator_or_key', inboxKeys: 'refused', lane: 'control',
    responses: { 200: { description: 'Released', schema: QuarantineJson }, 404: { description: 'Unknown entry', schema: Problem } },
    handler: async ({ deps, principal, params }) => ({ status: 200, body: quarantineJson(await removeQuarantine(qdeps(deps), principal!, params.id!)) }),
  }),
];
