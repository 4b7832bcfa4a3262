/**
 * Recent anomalies (loops, throttles, pauses, quarantines, load shedding) as a bounded ring of
 * episodes. A storm of 10,000 refusals of one key is one episode with a count, not 10,000
 * entries: a sighting joins the open episode of the same kind, lane and subject, and an episode
 * closes after a quiet minute.
 */
import type { Lane } from '../model.ts';

/** What an anomaly is: a refusal pattern (loop, throttle, pause, shed) or a change (quarantine, release, reputation). */
export type AnomalyKind = 'loop' | 'throttle' | 'pause' | 'quarantine' | 'release' | 'shed' | 'reputation';

/** Who an anomaly is about: a key, an inbox, a domain, or the node itself (unauthenticated traffic). */
export interface AnomalySubject {
  kind: 'key' | 'inbox' | 'domain' | 'address' | 'node';
  id: string;
}

/** One episode: repeated sightings of the same kind, lane and subject, with a count. */
export interface Anomaly {
  kind: AnomalyKind;
  lane: Lane | 'both';
  subject: AnomalySubject;
  org: string | null;
  /** The rule or reason that fired (a problem code, a quarantine reason). */
  reason: string;
  count: number;
  firstAt: number;
  lastAt: number;
}

export interface AnomalyLogOptions {
  /** Episodes kept (default 100). */
  capacity?: number;
  /** Silence that closes an episode, in ms (default 60 s). */
  quietMs?: number;
}

/** Maps a refusal code to the anomaly it reveals; other refusals (bad input, 404) are not anomalies. */
export const ANOMALY_OF_CODE: Readonly<Record<string, AnomalyKind>> = Object.freeze({
  loop_detected: 'loop',
  rate_limited: 'throttle',
  quota_exceeded: 'throttle',
  outbound_throttled: 'throttle',
  outbound_paused: 'pause',
  quarantined: 'quarantine',
  sender_quarantined: 'quarantine',
  mailbox_quarantined: 'quarantine',
  overloaded: 'shed',
});

/** The last episodes, at most `capacity`; each sighting joins its open episode. */
export class AnomalyLog {
  private readonly ring: (Anomaly | undefined)[];
  private next = 0;
  /** Open episodes by kind, lane and subject; only entries still in the ring. */
  private readonly open = new Map<string, Anomaly>();
  private readonly quietMs: number;
  /** The episode of the latest sighting: the fast path of a storm. */
  private last: Anomaly | null = null;

  constructor(options: AnomalyLogOptions = {}) {
    this.ring = new Array<Anomaly | undefined>(options.capacity ?? 100);
    this.quietMs = options.quietMs ?? 60_000;
  }

  /**
   * One sighting from the request path: the same subject as the last sighting (a storm) costs
   * a few comparisons, no allocation.
   */
  sighting(kind: AnomalyKind, lane: Lane, subjectKind: AnomalySubject['kind'], subjectId: string, org: string | null, reason: string, now: number): void {
    const last = this.last;
    if (last && last.kind === kind && last.lane === lane && last.subject.id === subjectId && last.subject.kind === subjectKind
      && last.reason === reason && now - last.lastAt <= this.quietMs) {
      last.count++;
      last.lastAt = now;
      return;
    }
    this.note({ kind, lane, subject: { kind: subjectKind, id: subjectId }, org, reason }, now);
  }

  private idOf(a: Pick<Anomaly, 'kind' | 'lane' | 'subject'>): string {
    return `${a.kind}|${a.lane}|${a.subject.kind}|${a.subject.id}`;
  }

  /** Records one sighting at `now`. */
  note(a: Omit<Anomaly, 'count' | 'firstAt' | 'lastAt'>, now: number, count = 1): void {
    const id = this.idOf(a);
    const episode = this.open.get(id);
    if (episode && now - episode.lastAt <= this.quietMs) {
      episode.count += count;
      episode.lastAt = now;
      episode.reason = a.reason;
      this.last = episode;
      return;
    }
    const fresh: Anomaly = { ...a, subject: { ...a.subject }, count, firstAt: now, lastAt: now };
    const evicted = this.ring[this.next];
    if (evicted) {
      const evictedId = this.idOf(evicted);
      if (this.open.get(evictedId) === evicted) this.open.delete(evictedId);
      if (this.last === evicted) this.last = null;
    }
    this.ring[this.next] = fresh;
    this.next = (this.next + 1) % this.ring.length;
    this.open.set(id, fresh);
    this.last = fresh;
  }

  /** Episodes seen since `since`, of one org when given, most recent sighting first. */
  recent(since: number, org?: string, limit = 50): Anomaly[] {
    const out: Anomaly[] = [];
    for (const a of this.ring) {
      if (!a || a.lastAt < since) continue;
      if (org !== undefined && a.org !== org) continue;
      out.push({ ...a, subject: { ...a.subject } });
    }
    return out.sort((x, y) => y.lastAt - x.lastAt).slice(0, limit);
  }
}
