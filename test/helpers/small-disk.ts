/**
 * A data dir on a disk of its own that a test can fill, without privileges: the server starts in
 * a new user and mount namespace (`unshare -Urm`) where its data dir is a size-capped tmpfs. The
 * test reaches that mount through /proc/<pid>/root and fills it with a ballast file, so the
 * kernel itself answers ENOSPC to SQLite's writes (SQLITE_FULL), as on a real full disk.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeSync, closeSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Null when a private tmpfs can be mounted here; otherwise why not. */
export function smallDiskProblem(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'bw-disk-probe-'));
  try {
    const r = spawnSync('unshare', ['-Urm', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs "$0"', dir], { encoding: 'utf8' });
    if (r.error) return `unshare: ${r.error.message}`;
    return r.status === 0 ? null : `unshare -Urm + mount tmpfs failed: ${r.stderr.trim()}`;
  } finally {
    rmdirSync(dir);
  }
}

/** The TestServer `wrap` that puts the data dir on a tmpfs of `megabytes`, then execs the server. */
export function smallDiskWrap(megabytes: number): string[] {
  return ['unshare', '-Urm', 'sh', '-c', `mount -t tmpfs -o size=${megabytes}m tmpfs "$BREAKWATER_DATA_DIR" && exec "$@"`, 'sh'];
}

const ballastOf = (pid: number, dataDir: string) => join(`/proc/${pid}/root`, dataDir, 'ballast');

/** Writes a ballast file until the disk answers ENOSPC; returns the bytes it took. */
export function fillDisk(pid: number, dataDir: string): number {
  const fd = openSync(ballastOf(pid, dataDir), 'a');
  let total = 0;
  try {
    // Large blocks first, then single bytes: no room is left for even one page.
    for (const size of [1 << 20, 4096, 1]) {
      const block = Buffer.alloc(size);
      for (let i = 0; i < 100_000; i++) {
        try {
          total += writeSync(fd, block);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return total;
}

/** Space again: the ballast is gone. */
export function freeDisk(pid: number, dataDir: string): void {
  rmSync(ballastOf(pid, dataDir), { force: true });
}
