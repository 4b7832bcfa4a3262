/**
 * The Metrics port on prom-client (Node only), and everything `/metrics` exposes: counters fed
 * by the core through the port, and gauges read at scrape time from functions the composition
 * root provides (queue depth, identities per reputation state, the edge's in-flight gate).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Lane } from '../../../core/model.ts';
import type { DecisionGate, Metrics, SmtpStage } from '../../../core/lanes/metrics.ts';
import type { QueueDepth } from '../../../core/lanes/queue-sampler.ts';
import { ScrapedCounter, ScrapedHistogram } from './collectors.ts';

export interface PromMetricsOptions {
  /** Destination domains with a label of their own; later ones count as `other` (default 50). */
  maxDomains?: number;
  queueDepths?: () => Promise<QueueDepth[]>;
  /** Identities per reputation state (`healthy`, `warning`, `throttled`, `paused`). */
  identitiesByState?: () => Promise<Record<string, number>>;
  /** The in-flight gate and quarantine registry, read at scrape time. */
  edge?: () => { inFlight: number; maxInFlight: number; shed: number; quarantined: Array<{ kind: string; lane: string }> };
  /** Node process metrics (heap, event loop lag, GC); default true. */
  processMetrics?: boolean;
}

/** Every series name starts with this prefix. */
export const PREFIX = 'breakwater_';

/** The Metrics port on a prom-client Registry of its own (never the global one). */
export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly requests: ScrapedCounter;
  private readonly latency: ScrapedHistogram;
  private readonly decisions: ScrapedCounter;
  private readonly smtpCounter: Counter<'stage' | 'result'>;
  private readonly deliveries: Counter<'result' | 'domain'>;
  private readonly webhooks: Counter<'result'>;
  /** Domains admitted as labels, for the process lifetime: a series never changes label. */
  private readonly domains = new Set<string>();
  private readonly maxDomains: number;

  constructor(o: PromMetricsOptions = {}) {
    const registers = [this.registry];
    this.maxDomains = o.maxDomains ?? 50;
    this.requests = new ScrapedCounter(this.registry, `${PREFIX}http_requests_total`,
      'HTTP answers by lane, route pattern, status and problem code (empty when accepted)', ['lane', 'route', 'status', 'code']);
    this.latency = new ScrapedHistogram(this.registry, `${PREFIX}http_request_duration_seconds`, 'HTTP answer latency per lane', 'lane');
    this.decisions = new ScrapedCounter(this.registry, `${PREFIX}edge_decisions_total`,
      'Limiter takes (by rule) and loop checks, allowed or denied', ['gate', 'rule', 'decision']);
    this.smtpCounter = new Counter({ name: `${PREFIX}smtp_total`, help: 'SMTP sessions opened, and MAIL, RCPT and DATA outcomes (accepted or the refusal)', labelNames: ['stage', 'result'], registers });
    this.deliveries = new Counter({ name: `${PREFIX}deliveries_total`, help: `Outbound delivery attempts by result and destination domain (the first ${this.maxDomains} domains seen; then "other")`, labelNames: ['result', 'domain'], registers });
    this.webhooks = new Counter({ name: `${PREFIX}webhook_attempts_total`, help: 'Webhook delivery attempts by outcome', labelNames: ['result'], registers });
    this.gauges(o);
    if (o.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
  }

  private gauges(o: PromMetricsOptions): void {
    const registers = [this.registry];
    const { queueDepths, identitiesByState, edge } = o;
    if (queueDepths) {
      // Both gauges call it in one scrape: the provider shares one read (QueueSampler).
      const read = queueDepths;
      new Gauge({
        name: `${PREFIX}queue_depth`, help: 'Jobs pending or running per queue', labelNames: ['queue'], registers,
        async collect() {
          this.reset();
          for (const d of await read()) this.set({ queue: d.queue }, d.pending);
        },
      });
      new Gauge({
        name: `${PREFIX}queue_oldest_job_age_seconds`, help: 'Age of the oldest pending or running job per queue', labelNames: ['queue'], registers,
        async collect() {
          this.reset();
          for (const d of await read()) this.set({ queue: d.queue }, (d.oldestAgeMs ?? 0) / 1000);
        },
      });
    }
    if (identitiesByState) {
      new Gauge({
        name: `${PREFIX}identities`, help: 'Inboxes per reputation state', labelNames: ['state'], registers,
        async collect() {
          this.reset();
          for (const [state, n] of Object.entries(await identitiesByState())) this.set({ state }, n);
        },
      });
    }
    if (edge) {
      new Gauge({ name: `${PREFIX}edge_in_flight`, help: 'Requests doing store work now', registers, collect() { this.set(edge().inFlight); } });
      new Gauge({ name: `${PREFIX}edge_in_flight_max`, help: 'The in-flight limit before load shedding', registers, collect() { this.set(edge().maxInFlight); } });
      new Counter({ name: `${PREFIX}edge_shed_total`, help: 'Requests shed with 503 at the in-flight limit', registers, collect() { this.reset(); this.inc(edge().shed); } });
      new Gauge({
        name: `${PREFIX}quarantine_entries`, help: 'Quarantines in force by kind and lane', labelNames: ['kind', 'lane'], registers,
        collect() {
          this.reset();
          for (const e of edge().quarantined) this.inc({ kind: e.kind, lane: e.lane });
        },
      });
    }
  }

  request(lane: Lane, route: string, status: number, code: string | null, ms: number): void {
    this.requests.inc(lane, route, status, code ?? '');
    this.latency.observe(lane, ms);
  }

  smtp(stage: SmtpStage, result: string): void {
    this.smtpCounter.inc({ stage, result });
  }

  delivery(result: string, domain: string): void {
    const d = domain.toLowerCase();
    if (!this.domains.has(d) && this.domains.size < this.maxDomains) this.domains.add(d);
    this.deliveries.inc({ result, domain: this.domains.has(d) ? d : 'other' });
  }

  webhookAttempt(result: string): void {
    this.webhooks.inc({ result });
  }

  decision(gate: DecisionGate, rule: string, allowed: boolean): void {
    this.decisions.inc(gate, rule, allowed ? 'allowed' : 'denied');
  }

  /** The exposition text and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
