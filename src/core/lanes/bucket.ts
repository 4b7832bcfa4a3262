/**
 * One time bucket of lane traffic: per org and lane, counts, rejections by reason and a latency
 * histogram; per lane, the heaviest keys and inboxes by volume and by rejections. Everything is
 * bounded: orgs per bucket are capped, talkers are top-k summaries, reasons are problem codes.
 */
import type { Lane } from '../model.ts';
import { LatencyHistogram } from './histogram.ts';
import { TopK } from './top-k.ts';

/** Every lane, in the order reports list them. */
export const LANES: readonly Lane[] = Object.freeze(['inbound', 'outbound', 'control']);
const LANE_INDEX: Record<Lane, number> = { inbound: 0, outbound: 1, control: 2 };

/** Talkers tracked per lane and bucket; a summary keeps any id above 1/TALKERS of the traffic. */
export const TALKERS = 32;
/** Orgs with their own counts in one bucket; traffic past the cap counts under {@link OTHER_ORGS}. */
export const MAX_ORGS_PER_BUCKET = 512;
/** Requests without an org (unauthenticated, SMTP refused before a recipient matched). */
export const NO_ORG = '';
/** Where traffic of orgs past {@link MAX_ORGS_PER_BUCKET} is counted. */
export const OTHER_ORGS = '~other';

/** What one answered request or SMTP transaction contributes. */
export interface TrafficSample {
  lane: Lane;
  status: number;
  /** Problem or refusal code; null when accepted. */
  code: string | null;
  ms: number;
  org: string | null;
  key: string | null;
  inbox: string | null;
}

/** One lane's answers: count, rejections by reason, latency. */
export class LaneCounts {
  requests = 0;
  rejected = 0;
  readonly reasons = new Map<string, number>();
  readonly latency = new LatencyHistogram();

  add(s: TrafficSample): void {
    this.requests++;
    this.latency.record(s.ms);
    if (s.code !== null) {
      this.rejected++;
      this.reasons.set(s.code, (this.reasons.get(s.code) ?? 0) + 1);
    }
  }

  merge(o: LaneCounts): void {
    this.requests += o.requests;
    this.rejected += o.rejected;
    for (const [r, n] of o.reasons) this.reasons.set(r, (this.reasons.get(r) ?? 0) + n);
    this.latency.merge(o.latency);
  }
}

/** The four heavy-hitter summaries of one lane. */
export class Talkers {
  constructor(
    readonly keys = new TopK(TALKERS),
    readonly keysRejected = new TopK(TALKERS),
    readonly inboxes = new TopK(TALKERS),
    readonly inboxesRejected = new TopK(TALKERS),
  ) {}

  add(s: TrafficSample): void {
    const rejected = s.code !== null;
    if (s.key !== null) {
      this.keys.offer(s.key, s.org);
      if (rejected) this.keysRejected.offer(s.key, s.org);
    }
    if (s.inbox !== null) {
      this.inboxes.offer(s.inbox, s.org);
      if (rejected) this.inboxesRejected.offer(s.inbox, s.org);
    }
  }

  /** Adds `o`, or only the entries of `org` when given (an org's view must not lose its ids to others'). */
  merge(o: Talkers, org?: string): void {
    const pairs: [TopK, TopK][] = [[this.keys, o.keys], [this.keysRejected, o.keysRejected], [this.inboxes, o.inboxes], [this.inboxesRejected, o.inboxesRejected]];
    for (const [into, from] of pairs) {
      for (const e of from.top(from.capacity, org)) {
        into.offer(e.id, e.org, e.count);
      }
    }
  }
}

/** One time bucket: lane counts per org, talkers per lane. */
export class Bucket {
  /** Epoch bucket number (start = index × width); -1 when empty. */
  index = -1;
  readonly orgs = new Map<string, (LaneCounts | undefined)[]>();
  readonly talkers: (Talkers | undefined)[] = [undefined, undefined, undefined];

  reset(index: number): void {
    this.index = index;
    this.orgs.clear();
    this.talkers.fill(undefined);
  }

  get empty(): boolean {
    return this.orgs.size === 0;
  }

  private countsOf(org: string, lane: number): LaneCounts {
    let lanes = this.orgs.get(org);
    if (!lanes) {
      const id = this.orgs.size < MAX_ORGS_PER_BUCKET ? org : OTHER_ORGS;
      lanes = this.orgs.get(id);
      if (!lanes) this.orgs.set(id, (lanes = [undefined, undefined, undefined]));
    }
    return (lanes[lane] ??= new LaneCounts());
  }

  record(s: TrafficSample): void {
    const lane = LANE_INDEX[s.lane];
    this.countsOf(s.org ?? NO_ORG, lane).add(s);
    if (s.key !== null || s.inbox !== null) (this.talkers[lane] ??= new Talkers()).add(s);
  }

  /** Adds a finer bucket's traffic (roll-up); orgs past the cap fold into {@link OTHER_ORGS}. */
  merge(o: Bucket): void {
    for (const [org, lanes] of o.orgs) {
      lanes.forEach((counts, lane) => {
        if (counts) this.countsOf(org, lane).merge(counts);
      });
    }
    o.talkers.forEach((t, lane) => {
      if (t) (this.talkers[lane] ??= new Talkers()).merge(t);
    });
  }

  /** This bucket's counts of `lane`, of one org when given, added into `into`. */
  addLane(into: LaneCounts, lane: Lane, org?: string): void {
    const i = LANE_INDEX[lane];
    if (org !== undefined) {
      const c = this.orgs.get(org)?.[i];
      if (c) into.merge(c);
      return;
    }
    for (const lanes of this.orgs.values()) {
      const c = lanes[i];
      if (c) into.merge(c);
    }
  }

  talkersOf(lane: Lane): Talkers | undefined {
    return this.talkers[LANE_INDEX[lane]];
  }
}
