import { z } from 'zod';
import type { Domain } from '../../core/domains/domain.ts';
import { createDomain, getDomain, listDomains, verifyDomain } from '../../core/domains/domain-service.ts';
import { defineRoute, keyOf } from '../policy.ts';
import { listOf, PageQuery, Problem } from '../schemas.ts';
import { iso } from '../serialize.ts';

const RecordJson = z.object({
  purpose: z.enum(['mx', 'spf', 'dkim', 'dmarc', 'return_path']), type: z.enum(['MX', 'TXT', 'CNAME']), name: z.string(), value: z.string(),
  priority: z.number().optional(), status: z.enum(['pending', 'verified', 'failed']), found: z.array(z.string()).optional(), error: z.string().optional(),
});
const DomainJson = z.object({
  id: z.string(), name: z.string(), status: z.enum(['pending', 'verified', 'failed']), default: z.boolean(),
  dkim: z.object({ selector: z.string(), algorithm: z.string() }), records: z.array(RecordJson),
  created_at: z.string(), verified_at: z.string().nullable(), checked_at: z.string().nullable(),
});

const CreateDomainBody = z.strictObject({
  name: z.string().min(1).max(253).meta({ example: 'agents.example.com' }),
});

/** DESIGN §4 Domain, with each record's purpose and last verdict; never the private key. */
export function domainJson(d: Domain) {
  return {
    id: d.id, name: d.name, status: d.status, default: d.orgId === null,
    dkim: { selector: d.dkimSelector, algorithm: d.dkimAlgorithm },
    records: d.records.map((r) => ({
      purpose: r.purpose, type: r.type, name: r.name, value: r.value, ...(r.priority !== undefined ? { priority: r.priority } : {}),
      status: r.status, ...(r.found ? { found: r.found } : {}), ...(r.error ? { error: r.error } : {}),
    })),
    created_at: iso(d.createdAt), verified_at: iso(d.verifiedAt), checked_at: iso(d.checkedAt),
  };
}

const notFound = { description: 'Unknown domain, or one of another org', schema: Problem };

/** Domains (DESIGN §4): the default domain read-only, and the org's own. */
export const domainRoutes = [
  defineRoute({
    method: 'GET', path: '/v1/domains', operationId: 'listDomains', tag: 'Domains',
    summary: 'List domains: the default domain (read-only, with its DKIM record) first, then the org\'s own, newest first',
    auth: 'key', inboxKeys: 'allowed', lane: 'control', query: PageQuery,
    responses: { 200: { description: 'Domains', schema: listOf(DomainJson) } },
    handler: async (ctx) => {
      const { defaultDomain, page } = await listDomains(ctx.deps, keyOf(ctx), ctx.query.cursor ?? null, ctx.query.limit);
      const data = [...(defaultDomain ? [defaultDomain] : []), ...page.data].map(domainJson);
      return { status: 200, body: { data, next_cursor: page.nextCursor } };
    },
  }),
  defineRoute({
    method: 'POST', path: '/v1/domains', operationId: 'createDomain', tag: 'Domains',
    summary: 'Add a domain: answers with its DKIM key\'s record and the MX, SPF, DMARC (and return-path) records to publish',
    auth: 'key', inboxKeys: 'refused', lane: 'control', body: CreateDomainBody,
    responses: {
      201: { description: 'Added, pending verification', schema: DomainJson },
      403: { description: 'Inbox-scoped keys cannot add domains', schema: Problem },
      409: { description: 'Already added, or verified by another org', schema: Problem },
    },
    handler: async (ctx) => ({ status: 201, body: domainJson(await createDomain(ctx.deps, keyOf(ctx), ctx.body.name)) }),
  }),
  defineRoute({
    method: 'GET', path: '/v1/domains/:id', operationId: 'getDomain', summary: 'Get a domain with its records', tag: 'Domains',
    auth: 'key', inboxKeys: 'allowed', lane: 'control',
    responses: { 200: { description: 'The domain', schema: DomainJson }, 404: notFound },
    handler: async (ctx) => ({ status: 200, body: domainJson(await getDomain(ctx.deps, keyOf(ctx), ctx.params.id!)) }),
  }),
  defineRoute({
    method: 'POST', path: '/v1/domains/:id/verify', operationId: 'verifyDomain', tag: 'Domains',
    summary: 'Check every record in DNS; a verified domain is hosted: inboxes on it, its mail received, its outbound mail DKIM-signed',
    auth: 'key', inboxKeys: 'refused', lane: 'control',
    responses: {
      200: { description: 'The domain with each record\'s verdict', schema: DomainJson },
      403: { description: 'The default domain, or an inbox-scoped key', schema: Problem },
      404: notFound,
      409: { description: 'Verified by another org', schema: Problem },
    },
    handler: async (ctx) => ({ status: 200, body: domainJson(await verifyDomain(ctx.deps, keyOf(ctx), ctx.params.id!)) }),
  }),
];
