/**
 * The authoritative quarantine registry of the edge (DESIGN §3): one object holds every entry
 * in its SQLite storage. Isolates never ask it on the hot path; each keeps a local copy
 * (src/adapters/quarantine/durable-object/) and refreshes it every few seconds, so the load here
 * is one small call per isolate per refresh, plus the rare add and remove. One object rather
 * than one per kind: every refresh needs all kinds, so splitting would multiply calls, not
 * spread them.
 *
 * A version (this instance's random epoch and a change counter) lets a refresh that has seen the
 * latest change come back with no entries. A restarted object starts a new epoch, so every copy
 * reloads once.
 */
import { DurableObject } from 'cloudflare:workers';
import type { QuarantineEntry } from '../../../core/quarantine/quarantine.ts';

export interface RegistryVersion {
  epoch: string;
  /** Changes made by this instance so far. */
  n: number;
}

/** `entries` is null when the caller's version is current: its copy needs nothing. */
export interface RegistrySnapshot {
  version: RegistryVersion;
  entries: QuarantineEntry[] | null;
}

type Row = {
  id: string; kind: string; target: string; lane: string; reason: string; source: string;
  org_id: string | null; created_at: number; expires_at: number | null;
};

export class QuarantineRegistry extends DurableObject {
  readonly #epoch = crypto.randomUUID();
  #n = 0;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS quarantine (
      id TEXT PRIMARY KEY, kind TEXT NOT NULL, target TEXT NOT NULL, lane TEXT NOT NULL, reason TEXT NOT NULL,
      source TEXT NOT NULL, org_id TEXT, created_at REAL NOT NULL, expires_at REAL)`);
  }

  /** Stores `entry` (replacing one with the same id); the version after the change. */
  add(entry: QuarantineEntry): RegistryVersion {
    // Domains compare in lower case, as MemoryQuarantine indexes them.
    const target = entry.kind === 'domain' ? entry.target.toLowerCase() : entry.target;
    this.ctx.storage.sql.exec(
      'INSERT OR REPLACE INTO quarantine (id, kind, target, lane, reason, source, org_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      entry.id, entry.kind, target, entry.lane, entry.reason, entry.source, entry.orgId, entry.createdAt, entry.expiresAt,
    );
    return this.#changed();
  }

  /** Deletes entry `id`; the entry removed (null when there was none) and the version after. */
  remove(id: string): { entry: QuarantineEntry | null; version: RegistryVersion } {
    const row = this.ctx.storage.sql.exec<Row>('DELETE FROM quarantine WHERE id = ? RETURNING *', id).toArray()[0];
    if (row === undefined) return { entry: null, version: this.#version() };
    return { entry: toEntry(row), version: this.#changed() };
  }

  /**
   * The entries in force at `now` (the caller's clock), or none when `known` is current. Expired
   * rows are deleted here without a version change: every copy expires them on its own clock.
   */
  snapshot(now: number, known: RegistryVersion | null): RegistrySnapshot {
    if (!Number.isFinite(now)) throw new RangeError(`now must be a finite number of ms, got ${now}`);
    const sql = this.ctx.storage.sql;
    sql.exec('DELETE FROM quarantine WHERE expires_at IS NOT NULL AND expires_at <= ?', now);
    const version = this.#version();
    if (known !== null && known.epoch === version.epoch && known.n === version.n) return { version, entries: null };
    return { version, entries: sql.exec<Row>('SELECT * FROM quarantine').toArray().map(toEntry) };
  }

  #changed(): RegistryVersion {
    this.#n++;
    return this.#version();
  }

  #version(): RegistryVersion {
    return { epoch: this.#epoch, n: this.#n };
  }
}

function toEntry(r: Row): QuarantineEntry {
  return {
    id: r.id, kind: r.kind as QuarantineEntry['kind'], target: r.target, lane: r.lane as QuarantineEntry['lane'], reason: r.reason,
    source: r.source as QuarantineEntry['source'], orgId: r.org_id, createdAt: r.created_at, expiresAt: r.expires_at,
  };
}
