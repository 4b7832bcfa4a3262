/**
 * Real objects of org A for the authorization matrix: every path parameter of the route table
 * resolves to one (by the collection it follows), and every route that needs a body or a query
 * to reach its handler has one here, keyed by operationId. A new route whose parameter or body
 * has no fixture makes the matrix fail by name instead of silently testing a 404.
 */
import type { RoutePolicy } from '../../src/http/policy.ts';
import type { TestApp } from '../helpers/app.ts';
import { call, idemKey } from './http-helpers.ts';

export type ObjectKind =
  | 'inbox' | 'message' | 'attachment' | 'thread' | 'key' | 'webhook' | 'delivery'
  | 'domain' | 'suppression' | 'listEntry' | 'quarantine' | 'asset';

/** The object a path parameter names, by the path segment before it. */
const KIND_BY_COLLECTION: Record<string, ObjectKind> = {
  inboxes: 'inbox', messages: 'message', attachments: 'attachment', threads: 'thread', keys: 'key',
  webhooks: 'webhook', deliveries: 'delivery', domains: 'domain', suppressions: 'suppression',
  lists: 'listEntry', quarantine: 'quarantine', assets: 'asset',
};

/** Throws for a parameter the matrix cannot fill: a new kind of object needs a fixture. */
export function paramKind(path: string, param: string): ObjectKind {
  const segments = path.split('/');
  const at = segments.indexOf(`:${param}`);
  const kind = KIND_BY_COLLECTION[segments[at - 1] ?? ''];
  if (at < 1 || !kind) throw new Error(`no fixture for :${param} of ${path}: add its object kind to test/http/authz-world.ts`);
  return kind;
}

export function pathParams(path: string): string[] {
  return [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
}

let seq = 0;
const unique = () => `${Date.now().toString(36)}${(++seq).toString(36)}`;

/** Org A, org B and the keys the matrix calls with; shared by every world. */
export interface Orgs {
  t: TestApp;
  a: { orgId: string; key: string };
  b: { orgId: string; key: string };
  revokedKey: string;
  /** An inbox-scoped key of an inbox of A that no world targets. */
  otherInboxKey: string;
}

/**
 * One route call's objects, made on first use with A's org key: each call gets a fresh world,
 * so a DELETE, a revoke or a quarantine in one case never changes the next. `touched` records
 * whether the request named any of A's objects (then another org must see it as absent).
 */
export class World {
  touched = false;
  private made = new Map<string, Promise<string>>();
  constructor(private readonly o: Orgs) {}

  private async post(path: string, json: unknown, headers?: Record<string, string>): Promise<any> {
    const res = await call(this.o.t, 'POST', path, { key: this.o.a.key, json, headers });
    if (res.status >= 300) throw new Error(`fixture ${path}: ${res.status} ${res.text.slice(0, 300)}`);
    return res.body;
  }

  private once(name: string, make: () => Promise<string>): Promise<string> {
    this.touched = true;
    let p = this.made.get(name);
    if (!p) this.made.set(name, (p = make()));
    return p;
  }

  /** Every id made so far: what a caller without access must never see in a listing. */
  async ids(): Promise<string[]> {
    return Promise.all(this.made.values());
  }

  inbox = () => this.once('inbox', async () => (await this.post('/v1/inboxes', {})).id);
  private sent = () => this.once('sent', async () => {
    const attachments = [{ filename: 'a.txt', content_type: 'text/plain', content: btoa('hello') }];
    const res = await this.post(`/v1/inboxes/${await this.inbox()}/messages`, { to: ['someone@example.com'], subject: 'Hi', text: 'Hello', attachments }, { 'idempotency-key': idemKey() });
    return JSON.stringify(res);
  });
  message = () => this.once('message', async () => JSON.parse(await this.sent()).id);
  thread = () => this.once('thread', async () => JSON.parse(await this.sent()).thread_id);
  attachment = () => this.once('attachment', async () => {
    const res = await call(this.o.t, 'GET', `/v1/messages/${await this.message()}`, { key: this.o.a.key });
    return res.body.attachments[0].id;
  });
  key = () => this.once('key', async () => (await this.post('/v1/keys', { name: 'victim' })).id);
  /** A key scoped to this world's inbox: the inbox-scoped key that should reach it. */
  ownInboxKey = () => this.once('ownInboxKey', async () => (await this.post('/v1/keys', { scopes: ['inbox'], inbox_ids: [await this.inbox()] })).api_key);
  // An IP literal: the test app has no resolver, and only literals pass the SSRF check.
  webhook = () => this.once('webhook', async () => (await this.post('/v1/webhooks', { url: 'https://93.184.216.34/hook' })).id);
  delivery = () => this.once('delivery', async () => {
    const webhook = await this.webhook();
    await this.post(`/v1/webhooks/${webhook}/test`, undefined);
    const res = await call(this.o.t, 'GET', `/v1/webhooks/${webhook}/deliveries`, { key: this.o.a.key });
    return res.body.data[0].id;
  });
  domain = () => this.once('domain', async () => (await this.post('/v1/domains', { name: `d${unique()}.example.com` })).id);
  suppression = () => this.once('suppression', async () => (await this.post('/v1/suppressions', { address: `s${unique()}@example.com` })).address);
  listEntry = () => this.once('listEntry', async () => (await this.post('/v1/lists', {
    inbox_id: await this.inbox(), direction: 'inbound', action: 'block', pattern: `l${unique()}.example.com`,
  })).id);
  quarantine = () => this.once('quarantine', async () => (await this.post('/v1/quarantine', {
    kind: 'inbox', target: await this.inbox(), lane: 'inbound', reason: 'authz matrix',
  })).id);

  of(kind: ObjectKind): Promise<string> {
    if (kind === 'asset') return Promise.resolve('init.js');
    return this[kind]();
  }

  /** Deletes what counts against an org limit (20 webhook endpoints), so worlds do not run out. */
  async dispose(): Promise<void> {
    const webhook = this.made.get('webhook');
    if (webhook) await call(this.o.t, 'DELETE', `/v1/webhooks/${await webhook}`, { key: this.o.a.key });
  }

  /** Every kind of object, so a listing has something of A's to leak. */
  async populate(): Promise<void> {
    for (const kind of Object.values(KIND_BY_COLLECTION)) await this.of(kind);
  }
}

/** A request that passes validation, so what the matrix sees is authorization alone. */
export interface RequestFixture {
  query?: (w: World) => Promise<string>;
  body?: (w: World) => Promise<unknown>;
  /**
   * What another org gets when the request names A's object in its body: the body's check
   * answers as for an unknown id (422 validation_failed), indistinguishable from absence.
   */
  foreign?: { status: number; code: string };
  headers?: Record<string, string>;
}

const unknownInbox = { status: 422, code: 'validation_failed' };

export const REQUESTS: Record<string, RequestFixture> = {
  createOrg: { body: async () => ({ name: 'matrix' }) },
  createKey: { body: async () => ({ name: 'k' }) },
  createInbox: { body: async () => ({}) },
  updateInbox: { body: async () => ({ display_name: 'Renamed' }) },
  sendMessage: { body: async () => ({ to: ['someone@example.com'], subject: 'Hi', text: 'Hello' }) },
  replyToMessage: { body: async () => ({ text: 'Thanks' }) },
  listThreads: { query: async (w) => `inbox_id=${await w.inbox()}` },
  listEvents: { query: async (w) => `inbox_id=${await w.inbox()}` },
  streamEvents: { query: async (w) => `inbox_id=${await w.inbox()}` },
  createWebhook: { body: async () => ({ url: 'https://93.184.216.34/other' }) },
  createDomain: { body: async () => ({ name: `n${unique()}.example.com` }) },
  addSuppression: { body: async () => ({ address: `n${unique()}@example.com` }) },
  addQuarantine: { body: async (w) => ({ kind: 'inbox', target: await w.inbox(), lane: 'outbound', reason: 'matrix' }) },
  listListEntries: { query: async (w) => `inbox_id=${await w.inbox()}` },
  createListEntry: {
    body: async (w) => ({ inbox_id: await w.inbox(), direction: 'outbound', action: 'block', pattern: `n${unique()}.example.com` }),
    foreign: unknownInbox,
  },
  checkListAddress: { query: async (w) => `inbox_id=${await w.inbox()}&direction=inbound&address=someone@example.com` },
  // The Streamable HTTP transport requires both types in Accept (MCP 2025-03-26).
  mcp: { body: async () => ({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), headers: { accept: 'application/json, text/event-stream' } },
  dashboardLogin: { body: async () => ({ token: 'not-the-token' }) },
};

/** The URL, headers and body of one call of `r` against world `w`. */
export async function requestOf(r: RoutePolicy, w: World): Promise<{ url: string; body?: unknown; headers: Record<string, string> }> {
  let url = r.path;
  for (const param of pathParams(r.path)) url = url.replace(`:${param}`, encodeURIComponent(await w.of(paramKind(r.path, param))));
  const fixture = REQUESTS[r.operationId] ?? {};
  if (r.body && !fixture.body) throw new Error(`no body fixture for ${r.operationId}: add one to REQUESTS in test/http/authz-world.ts`);
  if (fixture.query) url += `?${await fixture.query(w)}`;
  return { url, body: fixture.body ? await fixture.body(w) : undefined, headers: { ...fixture.headers, ...(r.idempotent ? { 'idempotency-key': idemKey() } : {}) } };
}
