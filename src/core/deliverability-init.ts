/**
 * Builds the deliverability services for a composition root: loads the domains (making the
 * default domain's DKIM key on the first start) and the reputation states the send path reads.
 */
import type { Deliverability, DeliverabilitySettings, DeliverabilityStore } from './deliverability.ts';
import { DomainRegistry } from './domains/domain-registry.ts';
import { loadDomains } from './domains/domain-service.ts';
import { WARMUP_DEFAULTS } from './limits/warmup.ts';
import type { Clock, Logger, Notifier } from './ports.ts';
import type { SecretBox } from './secrets/secret-box.ts';
import type { ReputationState, ReputationThresholds } from './reputation/machine.ts';
import { ReputationService } from './reputation/reputation-service.ts';

export interface DeliverabilityOptions {
  store: DeliverabilityStore;
  clock: Clock;
  notifier: Notifier;
  logger: Logger;
  /** Seals DKIM keys (src/core/secrets). */
  secrets: SecretBox;
  /** BREAKWATER_DOMAIN. */
  defaultDomain: string;
  /** Defaults: MX host = the default domain, no self-resume, DESIGN §5 warm-up. */
  settings?: Partial<DeliverabilitySettings>;
  thresholds?: ReputationThresholds;
  /** Scale-out: a reputation state this process changed (see ReputationService.peerChanged). */
  onReputationChange?: (inboxId: string, state: ReputationState) => void;
}

export async function startDeliverability(o: DeliverabilityOptions): Promise<Deliverability> {
  const d: Deliverability = {
    store: o.store,
    domains: new DomainRegistry(o.defaultDomain),
    reputation: new ReputationService({ store: o.store, clock: o.clock, notifier: o.notifier, logger: o.logger, thresholds: o.thresholds, onChange: o.onReputationChange }),
    settings: { mxHost: o.defaultDomain, orgSelfResume: false, warmup: WARMUP_DEFAULTS, ...o.settings },
    secrets: o.secrets,
  };
  await loadDomains(d, o.clock());
  await d.reputation.load();
  return d;
}
