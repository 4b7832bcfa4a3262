import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../../core/errors.ts';
import { GroupCommit } from './group-commit.ts';
import { isStoreFault, withStoreFaults } from './store-faults.ts';

interface Db {
  t: { id: number; body: string };
}

/** A real SQLite database whose file may not grow past its current pages: the next new page is SQLITE_FULL. */
function cappedDatabase() {
  const sqlite = new Database(':memory:');
  sqlite.exec('create table t (id integer primary key, body text not null)');
  const db = new Kysely<Db>({ dialect: withStoreFaults(new SqliteDialect({ database: sqlite })) });
  const cap = () => sqlite.pragma(`max_page_count = ${sqlite.pragma('page_count', { simple: true }) as number}`);
  const uncap = () => sqlite.pragma('max_page_count = 1073741823');
  return { db, cap, uncap };
}

const page = (i: number) => ({ id: i, body: 'x'.repeat(3000) });

describe('store faults', () => {
  it('classifies driver errors: faults by code or connection message, query errors left alone', () => {
    const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });
    for (const code of ['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_BUSY', 'SQLITE_READONLY_DBMOVED', '08006', '57P01', '53100', 'ECONNREFUSED', 'ECONNRESET']) {
      expect(isStoreFault(coded(code)), code).toBe(true);
    }
    for (const code of ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR', 'SQLITE_CORRUPT', '23505', '42P01', '40001']) {
      expect(isStoreFault(coded(code)), code).toBe(false);
    }
    expect(isStoreFault(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isStoreFault(new AggregateError([coded('ECONNREFUSED')], ''))).toBe(true);
    expect(isStoreFault(new Error('no such table: t'))).toBe(false);
    // D1 and Durable Objects say it in words only.
    expect(isStoreFault(new Error('D1_ERROR: Network connection lost.'))).toBe(true);
    expect(isStoreFault(new Error('Durable Object reset because its code was updated.'))).toBe(true);
    expect(isStoreFault(new Error('D1_ERROR: no such table: t: SQLITE_ERROR'))).toBe(false);
    expect(isStoreFault('SQLITE_FULL')).toBe(false);
  });

  it('turns SQLITE_FULL of a plain insert into StoreUnavailableError, keeps reads, and recovers once space is back', async () => {
    const { db, cap, uncap } = cappedDatabase();
    await db.insertInto('t').values(page(1)).execute();
    cap();
    const err = await db.insertInto('t').values(page(2)).execute().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreUnavailableError).cause).toMatchObject({ code: 'SQLITE_FULL' });
    expect(await db.selectFrom('t').select('id').execute()).toEqual([{ id: 1 }]);
    // A constraint error is the query's, not the store's: it stays what it was.
    const dup = await db.insertInto('t').values({ id: 1, body: '' }).execute().catch((e: unknown) => e);
    expect(dup).not.toBeInstanceOf(StoreUnavailableError);
    expect(dup).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    uncap();
    await db.insertInto('t').values(page(2)).execute();
    expect(await db.selectFrom('t').select('id').orderBy('id').execute()).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('fails a whole group commit as StoreUnavailableError (whatever SQLite rolled back itself), and commits again after', async () => {
    const { db, cap, uncap } = cappedDatabase();
    const group = new GroupCommit(db);
    await group.run((trx) => trx.insertInto('t').values(page(1)).execute());
    cap();
    const writes = [2, 3, 4].map((i) => group.run((trx) => trx.insertInto('t').values(page(i)).execute()).then(() => 'ok', (e: unknown) => e));
    const outcomes = await Promise.all(writes);
    expect(outcomes.every((o) => o instanceof StoreUnavailableError), String(outcomes)).toBe(true);
    expect(await db.selectFrom('t').select('id').execute()).toEqual([{ id: 1 }]);
    uncap();
    await group.run((trx) => trx.insertInto('t').values(page(5)).execute());
    await sql`select 1`.execute(db);
    expect(await db.selectFrom('t').select('id').orderBy('id').execute()).toEqual([{ id: 1 }, { id: 5 }]);
  });
});
