import type { CoreDeps } from '../core/context.ts';
import type { InFlightKeys } from '../core/idempotency/idempotency.ts';
import type { KeyVerifier } from '../core/keys/key-verifier.ts';
import type { EdgeDeps } from './edge/edge-deps.ts';
import type { ObservabilityDeps } from './observability-deps.ts';
import type { SseSettings } from './sse.ts';

/** What the HTTP app needs beyond core services. */
export interface AppDeps extends Omit<CoreDeps, 'edge'> {
  /** The defensive edge: limiter, loop detector, quarantine, limits, counters, in-flight gate. */
  edge: EdgeDeps;
  keys: KeyVerifier;
  inFlight: InFlightKeys;
  /**
   * SHA-256 hex without an await, where the runtime has one (node:crypto). Web Crypto's digest
   * runs on Node's thread pool: one more event-loop turn per send, which under a storm of
   * refusals costs that turn's whole queue of other sockets. Web Crypto when unset (Workers).
   */
  sha256Sync?: (text: string) => string;
  /** SHA-256 hex of the operator token. */
  operatorTokenHash: string;
  /** Readiness beyond the store (e.g. the SMTP port is listening). */
  ready?: () => boolean;
  /** Serves the API reference's static assets; runtimes provide it (no CDN). */
  docsAsset?: (name: string) => Response | null;
  /** Event stream tuning and its shutdown signal (src/http/sse.ts); defaults when unset. */
  sse?: SseSettings;
  /** /metrics, queue depths, cross-org reads and dashboard assets, as the runtime provides them. */
  observability?: ObservabilityDeps;
}
