/**
 * The hand-written SDK checked against the server's own OpenAPI document (GET /openapi.json of
 * a running server, generated from the route table). Every SDK method is called once against a
 * recording fetch; each request's method and path must be an operation of the document, and
 * every field the SDK's types declare for the answer must be in that operation's schema. The
 * field maps are typed `Record<keyof T, …>`, so adding a field to a type without listing it here
 * does not compile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Breakwater } from '../../src/sdk/index.ts';
import type {
  ApiKey, AuthVerdicts, CreatedApiKey, CreatedOrg, Domain, Inbox, Message, QuarantineEntry, Reputation, SendAccepted, Suppression, Thread, ThreadWithMessages, Webhook, WebhookDelivery,
  BreakwaterEvent,
} from '../../src/sdk/index.ts';
import { TestServer } from '../helpers/server.ts';

type Fields<T> = { [K in keyof Required<T>]: true | Record<string, unknown> };

const INBOX: Fields<Inbox> = { id: true, address: true, display_name: true, domain: true, created_at: true, reputation: { state: true } };
const AUTH: Fields<AuthVerdicts> = { spf: true, dkim: true, dmarc: true, arc: true, from_domain: true };
const MESSAGE: Fields<Message> = {
  id: true, inbox_id: true, thread_id: true, direction: true, status: true, status_reason: true, from: true, to: true, cc: true, bcc: true, reply_to: true,
  subject: true, text: true, html: true, headers: true, message_id: true, in_reply_to: true, references: true, attachments: true, auth: AUTH, trusted: true,
  extracted_text: true, auto_submitted: true, created_at: true, updated_at: true, events: true,
};
const SENT: Fields<SendAccepted> = { id: true, thread_id: true, status: true };
const THREAD: Fields<Thread> = { id: true, inbox_id: true, subject: true, message_count: true, last_message_at: true, created_at: true };
const THREAD_FULL: Fields<ThreadWithMessages> = { ...THREAD, messages: true };
const KEY: Fields<ApiKey> = { id: true, name: true, scopes: true, inbox_ids: true, prefix: true, created_at: true, revoked_at: true };
const CREATED_KEY: Fields<CreatedApiKey> = { ...KEY, api_key: true };
const ORG: Fields<CreatedOrg> = { org: { id: true, name: true, plan: true }, api_key: true };
const WEBHOOK: Fields<Webhook> = { id: true, url: true, events: true, inbox_ids: true, enabled: true, disabled_reason: true, created_at: true, updated_at: true, secret: true };
const DELIVERY: Fields<WebhookDelivery> = {
  id: true, webhook_id: true, event_id: true, event_type: true, status: true, attempt_count: true, next_attempt_at: true, last_status: true,
  last_error: true, created_at: true, updated_at: true, attempts: true,
};
const EVENT: Fields<BreakwaterEvent> = { id: true, type: true, created_at: true, data: true };
const DOMAIN: Fields<Domain> = { id: true, name: true, status: true, default: true, dkim: { selector: true, algorithm: true }, records: true, created_at: true, verified_at: true, checked_at: true };
const SUPPRESSION: Fields<Suppression> = { address: true, reason: true, source: true, message_id: true, created_at: true, expires_at: true };
const QUARANTINE: Fields<QuarantineEntry> = { id: true, kind: true, target: true, lane: true, reason: true, source: true, created_at: true, expires_at: true };
const REPUTATION: Fields<Reputation> = {
  inbox_id: true, state: true, sent: true, delivered: true, bounced: true, complained: true, bounce_rate: true, complaint_rate: true,
  outbound_limit: { rule: true, limit: true, window_seconds: true, burst: true }, since: true, window_days: true,
};

type Shape = Record<string, unknown> | null;
/** Each SDK method: how to call it, and the fields its answer declares (`list` for the items of a page). */
const RECIPES: Record<string, { call: (bw: Breakwater) => Promise<unknown>; fields: Shape; list?: boolean }> = {
  'inboxes.create': { call: (bw) => bw.inboxes.create({}), fields: INBOX },
  'inboxes.list': { call: (bw) => bw.inboxes.list().page(), fields: INBOX, list: true },
  'inboxes.get': { call: (bw) => bw.inboxes.get('inb_1'), fields: INBOX },
  'inboxes.update': { call: (bw) => bw.inboxes.update('inb_1', { display_name: 'x' }), fields: INBOX },
  'inboxes.remove': { call: (bw) => bw.inboxes.remove('inb_1'), fields: null },
  'messages.send': { call: (bw) => bw.messages.send('inb_1', { to: ['a@example.com'], text: 'x' }), fields: SENT },
  'messages.reply': { call: (bw) => bw.messages.reply('msg_1', { text: 'x' }), fields: SENT },
  'messages.list': { call: (bw) => bw.messages.list('inb_1').page(), fields: MESSAGE, list: true },
  'messages.wait': { call: (bw) => bw.messages.wait('inb_1', { wait: 0 }), fields: MESSAGE, list: true },
  'messages.get': { call: (bw) => bw.messages.get('msg_1'), fields: MESSAGE },
  'messages.raw': { call: (bw) => bw.messages.raw('msg_1'), fields: null },
  'messages.attachment': { call: (bw) => bw.messages.attachment('msg_1', 'att_1'), fields: null },
  'threads.list': { call: (bw) => bw.threads.list().page(), fields: THREAD, list: true },
  'threads.get': { call: (bw) => bw.threads.get('thr_1'), fields: THREAD_FULL },
  'webhooks.create': { call: (bw) => bw.webhooks.create({ url: 'https://x.example' }), fields: WEBHOOK },
  'webhooks.list': { call: (bw) => bw.webhooks.list().page(), fields: WEBHOOK, list: true },
  'webhooks.get': { call: (bw) => bw.webhooks.get('whk_1'), fields: WEBHOOK },
  'webhooks.remove': { call: (bw) => bw.webhooks.remove('whk_1'), fields: null },
  'webhooks.enable': { call: (bw) => bw.webhooks.enable('whk_1'), fields: WEBHOOK },
  'webhooks.disable': { call: (bw) => bw.webhooks.disable('whk_1'), fields: WEBHOOK },
  'webhooks.test': { call: (bw) => bw.webhooks.test('whk_1'), fields: { event_id: true, type: true } },
  'webhooks.deliveries': { call: (bw) => bw.webhooks.deliveries('whk_1').page(), fields: DELIVERY, list: true },
  'webhooks.replay': { call: (bw) => bw.webhooks.replay('whk_1', 'del_1'), fields: DELIVERY },
  'events.list': { call: (bw) => bw.events.list().page(), fields: EVENT, list: true },
  'events.stream': { call: async (bw) => { for await (const _ of bw.events.stream({ reconnect: false })) break; }, fields: null },
  'suppressions.list': { call: (bw) => bw.suppressions.list().page(), fields: SUPPRESSION, list: true },
  'suppressions.add': { call: (bw) => bw.suppressions.add({ address: 'a@example.com' }), fields: SUPPRESSION },
  'suppressions.remove': { call: (bw) => bw.suppressions.remove('a@example.com'), fields: null },
  'domains.list': { call: (bw) => bw.domains.list().page(), fields: DOMAIN, list: true },
  'domains.create': { call: (bw) => bw.domains.create({ name: 'x.example' }), fields: DOMAIN },
  'domains.get': { call: (bw) => bw.domains.get('dom_1'), fields: DOMAIN },
  'domains.verify': { call: (bw) => bw.domains.verify('dom_1'), fields: DOMAIN },
  'keys.list': { call: (bw) => bw.keys.list().page(), fields: KEY, list: true },
  'keys.create': { call: (bw) => bw.keys.create({}), fields: CREATED_KEY },
  'keys.revoke': { call: (bw) => bw.keys.revoke('key_1'), fields: KEY },
  'quarantine.list': { call: (bw) => bw.quarantine.list(), fields: QUARANTINE, list: true },
  'quarantine.add': { call: (bw) => bw.quarantine.add({ kind: 'inbox', target: 'inb_1', lane: 'both', reason: 'x' }), fields: QUARANTINE },
  'quarantine.release': { call: (bw) => bw.quarantine.release('qua_1'), fields: QUARANTINE },
  'reputation.get': { call: (bw) => bw.reputation.get('inb_1'), fields: REPUTATION },
  'reputation.resume': { call: (bw) => bw.reputation.resume('inb_1'), fields: REPUTATION },
  'orgs.create': { call: (bw) => bw.orgs.create({ name: 'x' }), fields: ORG },
};

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; items?: JsonSchema; anyOf?: JsonSchema[]; oneOf?: JsonSchema[] };
type Operation = { operationId: string; responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }> };

let server: TestServer;
let doc: { paths: Record<string, Record<string, Operation>> };

beforeAll(async () => {
  server = await TestServer.start();
  doc = await (await fetch(`${server.url}/openapi.json`)).json();
});

afterAll(async () => {
  await server?.stop();
});

/** Every `resource.method` the client exposes, found by reflection so a new method cannot hide. */
function sdkMethods(bw: Breakwater): string[] {
  const names: string[] = [];
  for (const [resource, value] of Object.entries(bw)) {
    if (resource === 'http') continue;
    for (const m of Object.getOwnPropertyNames(Object.getPrototypeOf(value))) if (m !== 'constructor') names.push(`${resource}.${m}`);
  }
  return names.sort();
}

/** The document's operation for a concrete request: literal segments must match, `{…}` takes one segment. */
function operationFor(method: string, path: string): { template: string; op: Operation } | null {
  const segments = path.split('/');
  const candidates = Object.entries(doc.paths).filter(([template, ops]) => {
    const t = template.split('/');
    return ops[method.toLowerCase()] && t.length === segments.length && t.every((s, i) => s.startsWith('{') || s === segments[i]);
  });
  // A literal segment beats a parameter (`/v1/events/stream` over a `/v1/events/{id}`).
  candidates.sort(([a], [b]) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  const hit = candidates[0];
  return hit ? { template: hit[0], op: hit[1][method.toLowerCase()]! } : null;
}

/** Object properties of a schema, looking through `anyOf`/`oneOf` (nullable objects). */
function propertiesOf(schema: JsonSchema | undefined): Record<string, JsonSchema> | null {
  if (!schema) return null;
  if (schema.properties) return schema.properties;
  for (const s of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
    const p = propertiesOf(s);
    if (p) return p;
  }
  return null;
}

function missingFields(fields: Record<string, unknown>, schema: JsonSchema | undefined, prefix = ''): string[] {
  const props = propertiesOf(schema);
  if (!props) return [`${prefix || '(root)'}: no object schema`];
  return Object.entries(fields).flatMap(([name, nested]) => {
    if (!(name in props)) return [`${prefix}${name}`];
    return nested === true ? [] : missingFields(nested as Record<string, unknown>, props[name], `${prefix}${name}.`);
  });
}

describe('the SDK against /openapi.json', () => {
  const calls: Array<{ method: string; path: string }> = [];
  const bw = new Breakwater({
    apiKey: 'bw_contract', baseUrl: 'http://contract.test', maxRetries: 0,
    fetch: async (input, init) => {
      const url = new URL(String(input));
      calls.push({ method: init?.method ?? 'GET', path: url.pathname });
      if (url.pathname.endsWith('/stream')) return new Response('', { headers: { 'content-type': 'text/event-stream' } });
      return new Response(JSON.stringify({ data: [], next_cursor: null }), { headers: { 'content-type': 'application/json' } });
    },
  });

  it('has a recipe for every method, and no recipe for a method that is gone', () => {
    expect(Object.keys(RECIPES).sort()).toEqual(sdkMethods(bw));
  });

  it.each(Object.entries(RECIPES))('%s', async (_name, recipe) => {
    calls.length = 0;
    await recipe.call(bw);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      const found = operationFor(call.method, call.path);
      expect(found, `${call.method} ${call.path} is not in the OpenAPI document`).not.toBeNull();
      if (!recipe.fields) continue;
      const [status, response] = Object.entries(found!.op.responses).find(([s]) => s.startsWith('2'))!;
      let schema = response.content?.['application/json']?.schema;
      expect(schema, `${found!.template} ${status} has no JSON schema`).toBeDefined();
      if (recipe.list) schema = propertiesOf(schema)?.data?.items;
      expect(missingFields(recipe.fields, schema), `${call.method} ${found!.template}`).toEqual([]);
    }
  });
});
