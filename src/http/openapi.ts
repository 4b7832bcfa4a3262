import { z } from 'zod';
import type { RoutePolicy } from './policy.ts';
import { Problem } from './schemas.ts';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

/** The OpenAPI 3.1 document, generated from the route policy table and its zod schemas. */
export function openApiDocument(table: RoutePolicy[], info: { version: string; serverUrl: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of table) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (r.query) {
      const qs = jsonSchema(r.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(qs.properties ?? {})) {
        parameters.push({ name, in: 'query', required: qs.required?.includes(name) ?? false, schema });
      }
    }
    if (r.idempotent) {
      parameters.push({ name: 'Idempotency-Key', in: 'header', required: true, description: 'Unique per logical request; the same key and body replay the first answer for 24 h.', schema: { type: 'string', minLength: 1, maxLength: 258 } });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, res] of Object.entries(r.responses)) {
      responses[status] = res.schema
        ? { description: res.description, content: { [status.startsWith('2') ? 'application/json' : 'application/problem+json']: { schema: jsonSchema(res.schema, 'output') } } }
        : res.contentType ? { description: res.description, content: { [res.contentType]: {} } } : { description: res.description };
    }
    responses.default = { description: 'Error', content: { 'application/problem+json': { schema: jsonSchema(Problem, 'output') } } };
    paths[path] ??= {};
    paths[path]![r.method.toLowerCase()] = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      ...(r.auth === 'none' ? { security: [] } : {}),
      'x-breakwater-lane': r.lane,
      'x-breakwater-auth': r.auth,
      ...(r.auth === 'key' ? { 'x-breakwater-buckets': ['key', ...(r.spends ?? [])] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Breakwater API', version: info.version, description: 'Email identities for AI agents, behind a defensive edge.' },
    servers: [{ url: info.serverUrl }],
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key (bw_…) or the operator token' } } },
    paths,
  };
}
