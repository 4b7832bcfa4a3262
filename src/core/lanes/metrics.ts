/**
 * The Metrics port: counters and histograms an operator scrapes. Node implements it with
 * prom-client (src/adapters/metrics/prom-client); Workers can with Analytics Engine.
 *
 * Every label is from a bounded set: a lane, a route pattern from the policy table (never the
 * raw path), a status, a problem or refusal code, a result word, a limit rule's name, and a
 * destination domain that the adapter bounds itself. Key, inbox and address ids never appear:
 * they belong to the lanes API (telemetry.ts), which keeps them in bounded top-k summaries.
 *
 * Methods are called on hot paths (every request): they must not throw, await or do I/O.
 */
import type { Lane } from '../model.ts';

/** SMTP stages: a session (connection), and the MAIL, RCPT and DATA commands of a transaction. */
export type SmtpStage = 'session' | 'mail' | 'rcpt' | 'data';

/** Gates whose every decision is counted, allowed or denied. */
export type DecisionGate = 'limiter' | 'loop';

export interface Metrics {
  /** One HTTP answer. `route` is the policy's `METHOD /path/:pattern`; `code` the problem code or null. */
  request(lane: Lane, route: string, status: number, code: string | null, ms: number): void;
  /** One SMTP outcome: `result` is `accepted` or the refusal kind (`unknown_user`, …). */
  smtp(stage: SmtpStage, result: string): void;
  /** One delivery attempt's outcome (`sent`, `delivered`, `sandboxed`, `deferred`, `failed`, …) per destination domain. */
  delivery(result: string, domain: string): void;
  /** One webhook attempt's outcome (`succeeded`, `pending`, `dead`, `failed`). */
  webhookAttempt(result: string): void;
  /** One limiter take (by rule name) or loop check, and whether it let the request through. */
  decision(gate: DecisionGate, rule: string, allowed: boolean): void;
}

/** Counts nothing: tests, the CLI, and runtimes without a metrics backend. */
export const noopMetrics: Metrics = {
  request() {},
  smtp() {},
  delivery() {},
  webhookAttempt() {},
  decision() {},
};
