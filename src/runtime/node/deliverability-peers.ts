import type { RedisBus } from '../../adapters/pubsub/redis/redis-bus.ts';
import type { Deliverability } from '../../core/deliverability.ts';
import { STATES, type ReputationState } from '../../core/reputation/machine.ts';
import type { Logger } from '../../core/ports.ts';

/**
 * Scale-out: keeps every node's in-memory deliverability view in step. Publish with
 * `reputationPublisher(bus)` (the ReputationService's onChange). A reputation change
 * made on one node (a pause, a resume) reaches the others' send path at once; a domain one
 * node verified becomes hosted on all. After a pub/sub outage, everything is read again.
 */
export function wireDeliverabilityPeers(bus: RedisBus, d: Deliverability, logger: Logger): void {
  // Messages carry the sender's node id: a node's own changes are already in its memory.
  bus.subscribe('reputation', (message) => {
    const [node, inboxId, state] = message.split(' ');
    if (node === bus.nodeId || !inboxId || !STATES.includes(state as ReputationState)) return;
    d.reputation.peerChanged(inboxId, state as ReputationState);
  });
  d.onDomainChange = (id) => bus.publish('domains', `${bus.nodeId} ${id}`);
  bus.subscribe('domains', (message) => {
    const [node, id] = message.split(' ');
    if (node === bus.nodeId || !id) return;
    d.store.getDomain(id).then((domain) => { if (domain) d.domains.put(domain); }, (err: unknown) => logger.warn({ err, domain: id }, 'domain reload failed'));
  });
  bus.onResync(() => {
    d.reputation.load().catch((err: unknown) => logger.warn({ err }, 'reputation reload failed'));
    d.store.listAllDomains().then((all) => d.domains.load(all), (err: unknown) => logger.warn({ err }, 'domain reload failed'));
  });
}

/** The ReputationService's onChange on the scale-out shape: tells the other nodes. */
export function reputationPublisher(bus: RedisBus): (inboxId: string, state: ReputationState) => void {
  return (inboxId, state) => bus.publish('reputation', `${bus.nodeId} ${inboxId} ${state}`);
}
