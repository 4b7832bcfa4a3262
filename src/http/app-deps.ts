import type { CoreDeps } from '../core/context.ts';
import type { InFlightKeys } from '../core/idempotency/idempotency.ts';
import type { KeyVerifier } from '../core/keys/key-verifier.ts';

/** What the HTTP app needs beyond core services. */
export interface AppDeps extends CoreDeps {
  keys: KeyVerifier;
  inFlight: InFlightKeys;
  /** SHA-256 hex of the operator token. */
  operatorTokenHash: string;
  /** Readiness beyond the store (e.g. the SMTP port is listening). */
  ready?: () => boolean;
  /** Serves the API reference's static assets; runtimes provide it (no CDN). */
  docsAsset?: (name: string) => Response | null;
}
