import { createOrg } from '../../core/orgs/org-service.ts';
import { defineRoute } from '../policy.ts';
import { CreateOrgBody, Problem } from '../schemas.ts';
import { z } from 'zod';

export const orgRoutes = [
  defineRoute({
    method: 'POST', path: '/v1/orgs', operationId: 'createOrg', summary: 'Create an org and its first org-scoped key', tag: 'Orgs',
    auth: 'operator', lane: 'control', body: CreateOrgBody,
    responses: {
      201: { description: 'Created; api_key is shown once', schema: z.object({ org: z.object({ id: z.string(), name: z.string(), plan: z.string() }), api_key: z.string() }) },
      401: { description: 'No or wrong operator token', schema: Problem },
    },
    handler: async ({ deps, body }) => {
      const { org, apiKey } = await createOrg(deps, { name: body.name, plan: body.plan });
      return { status: 201, body: { org: { id: org.id, name: org.name, plan: org.plan }, api_key: apiKey } };
    },
  }),
];
