/**
 * One event log written by N processes. Readers page by `id > cursor` (GET /v1/events, SSE
 * catch-up), which is only safe if ids grow in commit order: an event committed after a reader
 * moved past its id would never be seen. One SQLite writer gets that for free; on PostgreSQL two
 * nodes draw ids concurrently, from clocks that differ.
 *
 * So, per org (readers never page across orgs): a transaction-scoped advisory lock on the org,
 * held until commit, then ids above the org's newest committed id. Orgs are locked in sorted
 * order, so two transactions touching the same orgs cannot deadlock.
 */
import { sql } from 'kysely';
import type { EventIdOrder } from '../sql/event-log.ts';

/** First key of the two-key advisory lock: "bwev", keeping event locks apart from any other use. */
const EVENT_LOCK_SPACE = 0x62776576;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The smallest id above `id` (same prefix, the 26 Crockford base32 characters plus one). */
export function idAfter(id: string): string {
  const cut = id.indexOf('_') + 1;
  const digits = id.slice(cut).split('');
  for (let i = digits.length - 1; i >= 0; i--) {
    const v = ALPHABET.indexOf(digits[i]!);
    if (v < 31) {
      digits[i] = ALPHABET[v + 1]!;
      return id.slice(0, cut) + digits.join('');
    }
    digits[i] = '0';
  }
  throw new RangeError(`no id after ${id}`);
}

export const orderEventIds: EventIdOrder = async (trx, events) => {
  const newest = new Map<string, string | null>();
  for (const orgId of [...new Set(events.map((e) => e.orgId))].sort()) {
    await sql`select pg_advisory_xact_lock(${EVENT_LOCK_SPACE}::int4, hashtext(${orgId}))`.execute(trx);
    const row = await trx.selectFrom('events').select('id').where('org_id', '=', orgId).orderBy('id', 'desc').limit(1).executeTakeFirst();
    newest.set(orgId, row?.id ?? null);
  }
  return events.map(({ orgId, id }) => {
    const last = newest.get(orgId) ?? null;
    const next = last !== null && id <= last ? idAfter(last) : id;
    newest.set(orgId, next);
    return next;
  });
};
