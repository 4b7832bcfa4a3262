/**
 * Shared helpers of the edge tests: the real app with the DESIGN §5 limits and a clock the test
 * moves by hand, and checks that a refusal was counted and wrote nothing.
 */
import { sql } from 'kysely';
import { expect } from 'vitest';
import { EDGE_DEFAULTS, type EdgeLimits } from '../../src/core/limits/defaults.ts';
import type { Lane } from '../../src/core/model.ts';
import { uncounted } from './sql-counter.ts';
import { buildTestApp, OPERATOR_TOKEN, type TestApp } from '../helpers/app.ts';

/** Noon UTC, 1 June 2025: a fixed start, so every expiry in a test is exact. */
export const T0 = Date.UTC(2025, 5, 1, 12);

export interface Answer {
  status: number;
  headers: Headers;
  // A parsed JSON answer, read field by field in assertions.
  body: any;
}

export interface EdgeApp extends TestApp {
  /** The injected clock, in ms since the epoch. */
  now: number;
  advance(ms: number): void;
  org(plan?: 'free' | 'pro' | 'unlimited', name?: string): Promise<{ orgId: string; key: string }>;
  inbox(key: string, username: string): Promise<{ id: string; address: string }>;
  /** A send with a fresh Idempotency-Key (a runaway agent's retry) unless `idem` is given. */
  send(key: string, inboxId: string, body: unknown, idem?: string): Promise<Answer>;
  /** Rows of the tables a send writes, and SQLite's count of every row changed on the connection. */
  writes(): Promise<{ messages: number; jobs: number; changes: number }>;
}

let seq = 0;
export const freshIdem = () => `idem-${++seq}-${Math.random().toString(36).slice(2)}`;

/** A mail body no earlier request had, so loop detection stays out of the way. */
export const freshMail = (to: string[] = ['someone@example.com']) => ({ to, subject: `report ${++seq}`, text: `body ${seq}` });

/** The real app on in-memory SQLite, with `limits` (DESIGN §5 by default) and a hand-moved clock. */
export async function edgeApp(limits: EdgeLimits = EDGE_DEFAULTS): Promise<EdgeApp> {
  const clock = { now: T0 };
  const t = await buildTestApp({ clock: () => clock.now, limits });
  const e = t as EdgeApp;
  Object.defineProperty(e, 'now', { get: () => clock.now });
  e.advance = (ms) => { clock.now += ms; };
  e.org = async (plan = 'unlimited', name = 'org') => {
    const res = await t.request('POST', '/v1/orgs', { key: OPERATOR_TOKEN, body: { name, plan } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { orgId: res.body.org.id, key: res.body.api_key };
  };
  e.inbox = async (key, username) => {
    const res = await t.request('POST', '/v1/inboxes', { key, body: { username } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { id: res.body.id, address: res.body.address };
  };
  e.send = (key, inboxId, body, idem = freshIdem()) => t.request('POST', `/v1/inboxes/${inboxId}/messages`, { key, body, headers: { 'idempotency-key': idem } });
  e.writes = () => uncounted(async () => {
    const count = async (table: 'messages' | 'jobs') => Number((await t.store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const changes = Number((await sql<{ n: number }>`select total_changes() as n`.execute(t.store.db)).rows[0]!.n);
    return { messages: await count('messages'), jobs: await count('jobs'), changes };
  });
  return e;
}

/** Limits with the key bucket out of the way, for tests about something else. */
export const generousKey = (limits: EdgeLimits = EDGE_DEFAULTS): EdgeLimits => ({ ...limits, key: { ...limits.key, limit: 1e6, burst: 1e6 } });

/**
 * Runs `fn`, which must be refused with `code`, and checks the refusal was counted on `lane` and
 * wrote nothing: no message or job row, and (unless the refusal itself records a quarantine)
 * no row changed anywhere in the database.
 */
export async function expectRejected(t: EdgeApp, lane: Lane, code: string, fn: () => Promise<Answer>, o: { writesQuarantine?: boolean } = {}): Promise<Answer> {
  const counted = t.deps.edge.rejections.total(lane, code);
  const before = await t.writes();
  const res = await fn();
  expect(res.body?.code, JSON.stringify(res.body)).toBe(code);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(t.deps.edge.rejections.total(lane, code)).toBe(counted + 1);
  const after = await t.writes();
  expect({ messages: after.messages, jobs: after.jobs }).toEqual({ messages: before.messages, jobs: before.jobs });
  if (o.writesQuarantine) expect(after.changes - before.changes).toBe(1);
  else expect(after.changes).toBe(before.changes);
  return res;
}

/** Counts answers by status: `{ 200: 40, 429: 80 }`. */
export function tally(statuses: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

export const PROBLEM_TYPES = 'https://iana.org/assignments/http-problem-types';
