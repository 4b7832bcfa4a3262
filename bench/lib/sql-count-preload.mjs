/* global process */
// Preloaded into the Breakwater process by bench/burst.ts (NODE_OPTIONS=--import …): counts every
// SQL statement the process executes, and the time the main thread spends in each, by wrapping the
// methods that run a better-sqlite3 Statement (prepared anew or taken from the store's statement
// cache alike); and samples the event loop's delay. On SIGUSR2 it writes the counts, by SQL text,
// and the loop delay since the previous report to BENCH_SQL_COUNT_FILE. Cost: two clock reads and
// a Map update per statement; nothing at all on a request that runs no statement.
import { renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const out = process.env.BENCH_SQL_COUNT_FILE;
if (out) {
  const require = createRequire(import.meta.url);
  const Database = require('better-sqlite3');
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1'));
  probe.close();
  const bySql = new Map();
  const msBySql = new Map();
  let total = 0;
  let totalMs = 0;
  for (const name of ['run', 'get', 'all', 'iterate']) {
    const original = proto[name];
    proto[name] = function counted(...args) {
      const t0 = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        // iterate() returns at once and runs as it is consumed; its time here is a lower bound.
        const ms = performance.now() - t0;
        total++;
        totalMs += ms;
        bySql.set(this.source, (bySql.get(this.source) ?? 0) + 1);
        msBySql.set(this.source, (msBySql.get(this.source) ?? 0) + ms);
      }
    };
  }
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let seq = 0;
  const report = () => {
    // Written aside and renamed, so the reader never sees half a file.
    const loopMs = { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
    loop.reset();
    writeFileSync(`${out}.tmp`, JSON.stringify({
      pid: process.pid, seq: seq++, total, totalMs, bySql: Object.fromEntries(bySql), msBySql: Object.fromEntries(msBySql), loopMs,
    }));
    renameSync(`${out}.tmp`, out);
  };
  report();
  process.on('SIGUSR2', report);
}
