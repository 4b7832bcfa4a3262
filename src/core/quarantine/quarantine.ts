/**
 * Quarantine: a key, inbox or domain barred from one lane (or both) for a while, by an
 * operator or automatically (loop detection). Checked on every request and SMTP command, so
 * the registry answers from memory; adapters persist entries so they survive a restart.
 */
export type QuarantineKind = 'key' | 'inbox' | 'domain';
export type QuarantineLane = 'inbound' | 'outbound' | 'both';

export interface QuarantineEntry {
  id: string;
  kind: QuarantineKind;
  /** Key id, inbox id, or domain name (lower case). */
  target: string;
  lane: QuarantineLane;
  reason: string;
  source: 'auto' | 'operator';
  /** The org the target belongs to; null for outside domains. */
  orgId: string | null;
  createdAt: number;
  /** null: until removed. */
  expiresAt: number | null;
}

export interface QuarantineRegistry {
  /** Hot path, synchronous: the entry barring `target` from `lane` now, or null. */
  check(kind: QuarantineKind, target: string, lane: 'inbound' | 'outbound' | 'control'): QuarantineEntry | null;
  add(entry: QuarantineEntry): Promise<void>;
  /** Resolves the removed entry, or null when there was none. */
  remove(id: string): Promise<QuarantineEntry | null>;
  /** Entries in force now, newest first. */
  list(filter?: { orgId?: string }): QuarantineEntry[];
  get(id: string): QuarantineEntry | null;
}

/** Durable copy of the registry, loaded at start; writes are rare (operator actions, loop strikes). */
export interface QuarantinePersistence {
  loadQuarantine(now: number): Promise<QuarantineEntry[]>;
  saveQuarantine(entry: QuarantineEntry): Promise<void>;
  deleteQuarantine(id: string): Promise<void>;
}

/** Does an entry on `entryLane` bar a request of `lane`? Control calls are barred only by `both`. */
export function laneBlocked(entryLane: QuarantineLane, lane: 'inbound' | 'outbound' | 'control'): boolean {
  if (entryLane === 'both') return true;
  return entryLane === lane;
}
