import Database from 'better-sqlite3';

type Run = (this: { source: string }, ...args: unknown[]) => unknown;
const METHODS = ['run', 'get', 'all', 'iterate'] as const;

let paused = 0;

/** Runs the test's own bookkeeping queries (row counts) without counting them. */
export async function uncounted<T>(fn: () => Promise<T>): Promise<T> {
  paused++;
  try {
    return await fn();
  } finally {
    paused--;
  }
}

/**
 * Counts every SQL statement this process executes on SQLite, by wrapping the methods that run a
 * better-sqlite3 Statement (prepared anew or taken from a statement cache alike). "No store
 * query" then means no statement at all, whichever code path would have issued it.
 */
export function countStatements(): { count(): number; statements: string[]; restore(): void } {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<(typeof METHODS)[number], Run>;
  probe.close();
  const originals = METHODS.map((m) => [m, proto[m]] as const);
  const statements: string[] = [];
  for (const [name, original] of originals) {
    proto[name] = function (this: { source: string }, ...args: unknown[]) {
      if (paused === 0) statements.push(this.source);
      return original.apply(this, args);
    };
  }
  return {
    count: () => statements.length,
    statements,
    restore: () => { for (const [name, original] of originals) proto[name] = original; },
  };
}
