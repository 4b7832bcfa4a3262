import { z } from 'zod';
import { notFound } from '../../core/errors.ts';
import { openApiDocument } from '../openapi.ts';
import { defineRoute, type RoutePolicy } from '../policy.ts';

const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Breakwater API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script></body></html>`;
const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true });`;

/** Health, readiness, the OpenAPI document and its rendered reference. */
export function systemRoutes(table: () => RoutePolicy[], version: string): RoutePolicy[] {
  return [
    defineRoute({
      method: 'GET', path: '/healthz', operationId: 'health', store: false, summary: 'The process is alive', tag: 'System',
      auth: 'none', lane: 'control', responses: { 200: { description: 'OK', schema: z.object({ status: z.literal('ok') }) } },
      handler: async () => ({ status: 200, body: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'GET', path: '/readyz', operationId: 'ready', summary: 'The store answers and the servers listen', tag: 'System',
      auth: 'none', lane: 'control', responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready' } },
      handler: async ({ deps }) => {
        try {
          await deps.store.ping();
        } catch {
          return { status: 503, body: { status: 'unavailable', store: 'down' } };
        }
        if (deps.ready && !deps.ready()) return { status: 503, body: { status: 'starting' } };
        return { status: 200, body: { status: 'ready' } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/openapi.json', operationId: 'openapi', store: false, summary: 'The OpenAPI 3.1 document', tag: 'System',
      auth: 'none', lane: 'control', responses: { 200: { description: 'OpenAPI 3.1' } },
      handler: async ({ deps }) => ({ status: 200, body: openApiDocument(table(), { version, serverUrl: deps.settings.publicUrl }) }),
    }),
    defineRoute({
      method: 'GET', path: '/docs', operationId: 'docs', store: false, summary: 'The rendered API reference', tag: 'System',
      auth: 'none', lane: 'control', responses: { 200: { description: 'HTML', contentType: 'text/html' } },
      handler: async ({ requestId }) => new Response(DOCS_HTML, { headers: { 'content-type': 'text/html; charset=utf-8', 'x-request-id': requestId } }),
    }),
    defineRoute({
      method: 'GET', path: '/docs/assets/:name', operationId: 'docsAsset', store: false, summary: 'Static assets of the API reference (served locally)', tag: 'System',
      auth: 'none', lane: 'control', responses: { 200: { description: 'Asset' }, 404: { description: 'Unknown asset' } },
      handler: async ({ deps, params, requestId }) => {
        if (params.name === 'init.js') return new Response(DOCS_INIT, { headers: { 'content-type': 'text/javascript', 'x-request-id': requestId } });
        const res = deps.docsAsset?.(params.name!);
        if (!res) throw notFound('asset');
        res.headers.set('x-request-id', requestId);
        return res;
      },
    }),
  ];
}
