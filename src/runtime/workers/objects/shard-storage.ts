/**
 * The few things a LimiterShard writes to its SQLite storage: the state that would be wrong to
 * forget when the object is evicted or restarted (long buckets, quarantine escalation). Everything
 * else lives in memory only.
 *
 * Each row carries `gc_at`, the wall-clock time after which it no longer matters (its bucket is
 * full again, its escalation forgotten). Decisions run on the caller's clock; only this clean-up
 * reads the object's own, through an alarm, so an idle identity ends up with no storage at all.
 */

/** Wall-clock slack before a row is deleted, so clock skew between isolates never drops a live row. */
const GC_GRACE_MS = 60_000;

/** What a strike record keeps across restarts: how often the key was quarantined, and until when. */
export interface StoredStrikes {
  repeats: number;
  quarantinedUntil: number;
}

export class ShardStorage {
  readonly #storage: DurableObjectStorage;
  /** Tables are known to exist; created by the first write that needs them. */
  #ready = false;
  /** The alarm this instance has set; 0 when none is known (a new instance, or after a sweep that emptied storage). */
  #alarmAt = 0;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  readBucket(id: string): number | undefined {
    if (!this.#exists()) return undefined;
    const row = this.#sql().exec<{ tat: number }>('SELECT tat FROM buckets WHERE id = ?', id).toArray()[0];
    return row?.tat;
  }

  /** Stores a bucket's TAT; `mattersForMs` is how long until it is full again. */
  writeBucket(id: string, tat: number, mattersForMs: number): void {
    const gcAt = this.#gcAt(mattersForMs);
    this.#sql().exec('INSERT INTO buckets (id, tat, gc_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET tat = excluded.tat, gc_at = excluded.gc_at', id, tat, gcAt);
    this.#arm(gcAt);
  }

  readStrikes(key: string): StoredStrikes | undefined {
    if (!this.#exists()) return undefined;
    const row = this.#sql().exec<{ repeats: number; until: number }>('SELECT repeats, quarantined_until AS until FROM strikes WHERE key = ?', key).toArray()[0];
    return row === undefined ? undefined : { repeats: row.repeats, quarantinedUntil: row.until };
  }

  /** Stores a key's escalation; `mattersForMs` is how long until the policy forgets it. */
  writeStrikes(key: string, s: StoredStrikes, mattersForMs: number): void {
    const gcAt = this.#gcAt(mattersForMs);
    this.#sql().exec(
      'INSERT INTO strikes (key, repeats, quarantined_until, gc_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET repeats = excluded.repeats, quarantined_until = excluded.quarantined_until, gc_at = excluded.gc_at',
      key, s.repeats, s.quarantinedUntil, gcAt,
    );
    this.#arm(gcAt);
  }

  /** The alarm: drops rows that no longer matter; with none left, the object's storage goes too. */
  async sweep(): Promise<void> {
    const now = Date.now();
    const sql = this.#sql();
    sql.exec('DELETE FROM buckets WHERE gc_at <= ?', now);
    sql.exec('DELETE FROM strikes WHERE gc_at <= ?', now);
    const next = sql.exec<{ at: number | null }>('SELECT max(at) AS at FROM (SELECT max(gc_at) AS at FROM buckets UNION ALL SELECT max(gc_at) FROM strikes)').one().at;
    if (next === null) {
      await this.#storage.deleteAll();
      this.#ready = false;
      this.#alarmAt = 0;
      return;
    }
    this.#alarmAt = next;
    await this.#storage.setAlarm(next);
  }

  #gcAt(mattersForMs: number): number {
    return Date.now() + Math.max(0, mattersForMs) + GC_GRACE_MS;
  }

  /**
   * Any pending alarm will do: the sweep deletes what is due and rearms for what is left. So an
   * instance sets one with its first write and again only after a sweep, not once per take.
   */
  #arm(gcAt: number): void {
    if (this.#alarmAt !== 0) return;
    this.#alarmAt = gcAt;
    // Not awaited: the output gate holds the reply until the write is durable, and a take must stay synchronous.
    void this.#storage.setAlarm(gcAt);
  }

  /**
   * Whether the tables exist, without creating them: a read alone (a peek, a first strike that
   * quarantines nothing) must not leave an identity with empty tables and no alarm to remove them.
   */
  #exists(): boolean {
    if (!this.#ready) this.#ready = this.#storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'buckets'").toArray().length > 0;
    return this.#ready;
  }

  #sql(): SqlStorage {
    const sql = this.#storage.sql;
    if (!this.#ready) {
      sql.exec('CREATE TABLE IF NOT EXISTS buckets (id TEXT PRIMARY KEY, tat REAL NOT NULL, gc_at REAL NOT NULL)');
      sql.exec('CREATE TABLE IF NOT EXISTS strikes (key TEXT PRIMARY KEY, repeats INTEGER NOT NULL, quarantined_until REAL NOT NULL, gc_at REAL NOT NULL)');
      this.#ready = true;
    }
    return sql;
  }
}
