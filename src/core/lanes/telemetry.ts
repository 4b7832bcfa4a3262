/**
 * Lane telemetry: the one sink every request, SMTP transaction, delivery and webhook attempt
 * reports to. It keeps sliding windows for `GET /v1/telemetry/lanes`, totals for the live
 * chart and recent anomalies, and forwards each observation to the Metrics port.
 *
 * In memory, per process: in the scale-out shape each node reports its own traffic (a load
 * balancer spreads agents evenly, so one node's view shows the storms); aggregating through
 * Redis is a later step. Workers keep one per isolate. Every structure here is bounded.
 */
import type { Clock } from '../ports.ts';
import type { Lane } from '../model.ts';
import type { QuarantineEntry } from '../quarantine/quarantine.ts';
import { ANOMALY_OF_CODE, AnomalyLog, type Anomaly, type AnomalyLogOptions } from './anomalies.ts';
import { LANES, type TrafficSample } from './bucket.ts';
import { noopMetrics, type Metrics, type SmtpStage } from './metrics.ts';
import type { TopEntry } from './top-k.ts';
import { LaneWindows } from './windows.ts';

/** The windows `GET /v1/telemetry/lanes` offers. */
export type TelemetryWindow = '60s' | '5m' | '1h';
export const WINDOW_MS: Readonly<Record<TelemetryWindow, number>> = Object.freeze({ '60s': 60_000, '5m': 300_000, '1h': 3_600_000 });

/** One answered HTTP request; `route` is the policy pattern (`unmatched` when none matched). */
export interface RequestObservation extends TrafficSample {
  route: string;
}

/** One delivery attempt of one message. */
export interface DeliveryObservation {
  result: string;
  /** Destination domains of the attempt's recipients. */
  domains: string[];
  org: string;
  inbox: string;
}

/** A lane's answers since the process started (the live chart plots their differences). */
export interface LaneTotals {
  requests: number;
  rejected: number;
  reasons: Record<string, number>;
}

/** One lane over a window. */
export interface LaneReport {
  requests: number;
  accepted: number;
  rejected: number;
  /** Per second over the window's span. */
  rates: { requests: number; accepted: number; rejected: number };
  rejections: Record<string, number>;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; mean: number | null };
  talkers: { keysByVolume: TopEntry[]; keysByRejections: TopEntry[]; inboxesByVolume: TopEntry[]; inboxesByRejections: TopEntry[] };
}

/** Every lane over a window, with the window's anomalies. */
export interface LanesReport {
  window: TelemetryWindow;
  windowMs: number;
  /** What the numbers cover: the window, or less for a process younger than it. */
  spanMs: number;
  at: number;
  /** null: every org (the operator's view). */
  org: string | null;
  lanes: Record<Lane, LaneReport>;
  anomalies: Anomaly[];
}

export interface LaneTelemetryOptions {
  clock: Clock;
  metrics?: Metrics;
  anomalies?: AnomalyLogOptions;
  /** Talkers listed per lane and measure (default 10). */
  topN?: number;
}

const round = (n: number | null, digits = 3): number | null => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);

/** The process's lane telemetry; see the file comment. */
export class LaneTelemetry {
  readonly metrics: Metrics;
  private readonly windows = new LaneWindows();
  private readonly anomalies: AnomalyLog;
  private readonly totals: Record<Lane, { requests: number; rejected: number; reasons: Map<string, number> }>;

  constructor(private readonly o: LaneTelemetryOptions) {
    this.metrics = o.metrics ?? noopMetrics;
    this.anomalies = new AnomalyLog(o.anomalies);
    this.totals = { inbound: this.emptyTotals(), outbound: this.emptyTotals(), control: this.emptyTotals() };
  }

  private emptyTotals() {
    return { requests: 0, rejected: 0, reasons: new Map<string, number>() };
  }

  /** An answered HTTP request. Hot path: a few map updates, no allocation beyond new ids. */
  request(r: RequestObservation): void {
    this.traffic(r, r.code === null ? null : r.code);
    this.metrics.request(r.lane, r.route, r.status, r.code, r.ms);
  }

  /**
   * An SMTP outcome. Refusals at any stage and DATA outcomes count as inbound traffic; an
   * accepted MAIL or RCPT does not (the message is counted once, at DATA).
   */
  smtp(stage: SmtpStage, sample: Omit<TrafficSample, 'lane' | 'key'>): void {
    this.metrics.smtp(stage, sample.code ?? 'accepted');
    if (stage === 'data' || sample.code !== null) this.traffic({ ...sample, lane: 'inbound', key: null }, sample.code);
  }

  delivery(d: DeliveryObservation): void {
    for (const domain of d.domains.length > 0 ? d.domains : ['none']) this.metrics.delivery(d.result, domain);
  }

  webhookAttempt(result: string): void {
    this.metrics.webhookAttempt(result);
  }

  /** A quarantine added or released (by the operator, an org, or loop detection). */
  quarantine(e: QuarantineEntry, change: 'added' | 'removed'): void {
    this.anomalies.note({
      kind: change === 'added' ? 'quarantine' : 'release', lane: e.lane, subject: { kind: e.kind, id: e.target }, org: e.orgId,
      reason: `${e.source}: ${e.reason}`,
    }, this.o.clock());
  }

  /** Any other anomaly a feature reports (a reputation change, a paused identity). */
  anomaly(a: Omit<Anomaly, 'count' | 'firstAt' | 'lastAt'>): void {
    this.anomalies.note(a, this.o.clock());
  }

  private traffic(s: TrafficSample, code: string | null): void {
    const now = this.o.clock();
    this.windows.record(s, now);
    const t = this.totals[s.lane];
    t.requests++;
    if (code === null) return;
    t.rejected++;
    t.reasons.set(code, (t.reasons.get(code) ?? 0) + 1);
    const kind = ANOMALY_OF_CODE[code];
    if (kind === undefined) return;
    if (s.key !== null) this.anomalies.sighting(kind, s.lane, 'key', s.key, s.org, code, now);
    else if (s.inbox !== null) this.anomalies.sighting(kind, s.lane, 'inbox', s.inbox, s.org, code, now);
    else this.anomalies.sighting(kind, s.lane, 'node', 'anonymous', s.org, code, now);
  }

  /** Answers and rejections per lane since the process started: the live chart plots their deltas. */
  laneTotals(): Record<Lane, LaneTotals> {
    const out = {} as Record<Lane, LaneTotals>;
    for (const lane of LANES) {
      const t = this.totals[lane];
      out[lane] = { requests: t.requests, rejected: t.rejected, reasons: Object.fromEntries(t.reasons) };
    }
    return out;
  }

  /** The lanes over `window`; an org sees only its own traffic, talkers and anomalies. */
  report(window: TelemetryWindow, org?: string): LanesReport {
    const now = this.o.clock();
    const windowMs = WINDOW_MS[window];
    const { lanes, spanMs } = this.windows.query(windowMs, now, org);
    const n = this.o.topN ?? 10;
    const perSecond = (count: number) => round(count / (spanMs / 1000))!;
    const out = {} as Record<Lane, LaneReport>;
    for (const lane of LANES) {
      const { counts, talkers } = lanes[lane];
      const accepted = counts.requests - counts.rejected;
      const h = counts.latency;
      out[lane] = {
        requests: counts.requests, accepted, rejected: counts.rejected,
        rates: { requests: perSecond(counts.requests), accepted: perSecond(accepted), rejected: perSecond(counts.rejected) },
        rejections: Object.fromEntries([...counts.reasons].sort((a, b) => b[1] - a[1])),
        latencyMs: { p50: round(h.quantile(0.5)), p95: round(h.quantile(0.95)), p99: round(h.quantile(0.99)), mean: round(h.total ? h.sum / h.total : null) },
        talkers: {
          keysByVolume: talkers.keys.top(n), keysByRejections: talkers.keysRejected.top(n),
          inboxesByVolume: talkers.inboxes.top(n), inboxesByRejections: talkers.inboxesRejected.top(n),
        },
      };
    }
    return { window, windowMs, spanMs, at: now, org: org ?? null, lanes: out, anomalies: this.anomalies.recent(now - windowMs, org) };
  }
}
