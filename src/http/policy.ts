import type { Context } from 'hono';
import type { z } from 'zod';
import type { KeyPrincipal, Principal } from '../core/auth/principal.ts';
import type { Lane } from '../core/model.ts';
import type { AppDeps } from './app-deps.ts';

/** Who may call a route: nobody in particular, the operator token, or an org's API key. */
export type RouteAuth = 'none' | 'operator' | 'key' | 'operator_or_key';

/** What an inbox-scoped key may do on a key route; see RoutePolicy.inboxKeys. */
export type InboxKeyReach = 'refused' | 'own' | 'allowed';

export const KiB = 1024;
export const MiB = 1024 * KiB;

/**
 * One row of the path policy table: everything the middleware chain enforces for a route,
 * readable as data. A route exists only as a policy; the router refuses anything else.
 */
export interface RoutePolicy<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Hono path syntax: `/v1/inboxes/:id`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  auth: RouteAuth;
  /**
   * How far an inbox-scoped key reaches on a key route (DESIGN §4): `refused` answers it 403
   * forbidden_scope whatever the target; `own` lets it act on its inboxes only, any other
   * inbox's object answering 404 as another org's does; `allowed` treats it as an org key (org
   * data that belongs to no inbox, read only). The services enforce it;
   * test/http/authz-matrix.test.ts proves every route does what it declares.
   */
  inboxKeys?: InboxKeyReach;
  lane: Lane;
  /** Headers that must be present (lower case), checked before the body is read. */
  requiredHeaders?: string[];
  /** Requires an Idempotency-Key; the same key and body replay the first answer. */
  idempotent?: boolean;
  body?: B;
  /** Largest accepted body in bytes; 64 KiB when unset (DESIGN §5). */
  bodyLimit?: number;
  query?: Q;
  /**
   * Tokens of the caller's `key` bucket this request spends (DESIGN §5: 20/s, burst 40); 1 when
   * unset. One is taken before the body is read; the rest once the body is parsed.
   */
  keyCost?: (body: z.output<B>) => number;
  /** Further buckets spent by the service behind the route, for the reader of this table. */
  spends?: Array<'inbox-send' | 'plan-daily' | 'plan-monthly'>;
  /** Repeat detection on (key, method, path, body); on by default for every method but GET. */
  loopCheck?: boolean;
  /** False for routes that never touch the store (health, docs): they skip the in-flight gate. */
  store?: boolean;
  /** Described in OpenAPI; responses are not validated at run time. */
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  handler: (ctx: RouteContext<z.output<B>, z.output<Q>>) => Promise<Response | { status: number; body: unknown; headers?: Record<string, string> }>;
}

export interface RouteContext<B, Q> {
  c: Context;
  deps: AppDeps;
  principal: Principal | null;
  requestId: string;
  body: B;
  query: Q;
  params: Record<string, string>;
  idempotencyKey: string | null;
  /** SHA-256 of method, path and raw body: what "the same request" means for idempotency. */
  requestHash: string | null;
  signal: AbortSignal;
}

/** The key principal of a key-authenticated route (the router guarantees it). */
export function keyOf(ctx: { principal: Principal | null }): KeyPrincipal {
  if (ctx.principal?.kind !== 'key') throw new Error('route policy must require a key');
  return ctx.principal;
}

/** Declares a route policy with its types inferred from its schemas. */
export function defineRoute<B extends z.ZodType = z.ZodNever, Q extends z.ZodType = z.ZodNever>(policy: RoutePolicy<B, Q>): RoutePolicy {
  return policy as unknown as RoutePolicy;
}
