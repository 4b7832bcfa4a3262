import { hostname } from 'node:os';
import { randomBytes, createHash, hash } from 'node:crypto';
import type { CoreDeps } from '../../core/context.ts';
import { DELIVERY_QUEUE, WEBHOOK_QUEUE } from '../../core/context.ts';
import { deliverMessage } from '../../core/delivery/deliver.ts';
import { startDeliverability } from '../../core/deliverability-init.ts';
import { reputationPublisher, wireDeliverabilityPeers } from './deliverability-peers.ts';
import { deliverWebhook, WEBHOOK_TIMEOUT_MS } from '../../core/webhooks/delivery-worker.ts';
import { InFlightKeys } from '../../core/idempotency/idempotency.ts';
import { JobRunner } from '../../core/jobs/job-runner.ts';
import { KeyVerifier } from '../../core/keys/key-verifier.ts';
import { systemClock } from '../../core/ports.ts';
import type { AppDeps } from '../../http/app-deps.ts';
import { SmtpRelayTransport } from '../../adapters/mail/smtp-relay/smtp-relay-transport.ts';
import { MemoryNotifier } from '../../adapters/notifier/memory/memory-notifier.ts';
import { RedisNotifier } from '../../adapters/notifier/redis/redis-notifier.ts';
import type { KyselyStore } from '../../adapters/store/sql/kysely-store.ts';
import { SqliteStore } from '../../adapters/store/sqlite/sqlite-store.ts';
import { NodeDnsResolver } from '../../adapters/resolver/node-dns/node-dns-resolver.ts';
import { NodeHttpWebhookSender } from '../../adapters/webhook-sender/node-http/node-http-sender.ts';
import { SqlQuarantinePersistence } from '../../adapters/store/sql/quarantine-store.ts';
import { SqlListStore } from '../../adapters/store/sql/lists-store.ts';
import { MailauthAuthenticator } from '../../adapters/mail-auth/mailauth/mailauth-authenticator.ts';
import { DeliveryPacer } from '../../core/delivery/pacing.ts';
import { ListRegistry } from '../../core/inbound/list-registry.ts';
import { createMemoryEdge } from './edge.ts';
import { createRedisEdge } from './redis-edge.ts';
import { connectRedis, openStore } from './services.ts';
import { ConfigError, edgeLimits, type Config } from './config.ts';
import { operatorToken } from './data-dir.ts';
import { docsAsset } from './docs-assets.ts';
import { createObservability } from './observability.ts';
import { createLogger } from './logger.ts';
import { openSecrets } from './secrets.ts';

export const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

export interface Composition {
  deps: AppDeps;
  store: KyselyStore;
  runner: JobRunner;
  /** Sends webhooks: the 'webhook' queue, apart from mail delivery so neither waits on the other. */
  webhookRunner: JobRunner;
  /** Ends every open event stream (shutdown: the HTTP server cannot close while they run). */
  closeStreams: () => void;
  operator: { token: string; created: boolean };
  /** Closes what the scale-out shape opened beside the store (Redis, the quarantine reload). */
  closeServices: () => Promise<void>;
}

/** The single-node composition root: the one place that reads configuration and picks adapters. */
export async function compose(config: Config, ready: () => boolean): Promise<Composition> {
  const logger = createLogger(config.BREAKWATER_LOG_LEVEL);
  if (config.BREAKWATER_DATABASE_URL && !config.BREAKWATER_OPERATOR_TOKEN) {
    // Each node would otherwise make its own token in its own data dir: one service, one token.
    throw new ConfigError('BREAKWATER_OPERATOR_TOKEN: required with BREAKWATER_DATABASE_URL, the same on every node');
  }
  const store = await openStore(config);
  // Jobs leased by a process killed before it finished run again now, not after their lease. Only
  // SQLite, which one process owns: on PostgreSQL other nodes hold live leases, and a dead node's
  // jobs come back when their lease (BREAKWATER_JOB_LEASE_MS) runs out.
  if (store instanceof SqliteStore) {
    const released = await store.releaseAllLeases();
    if (released > 0) logger.warn({ released }, 'released job leases left by a previous process');
  }
  // Webhook secrets and DKIM keys at rest: sealed under the configured key, stale rows resealed first.
  const secrets = await openSecrets(config, store, logger);
  const bus = await connectRedis(config, logger);
  const operator = operatorToken(config.BREAKWATER_DATA_DIR, config.BREAKWATER_OPERATOR_TOKEN);
  const notifier = bus ? new RedisNotifier({ bus }) : new MemoryNotifier();
  const transport = config.BREAKWATER_SMTP_RELAY ? new SmtpRelayTransport({ url: config.BREAKWATER_SMTP_RELAY }) : null;
  const publicUrl = config.BREAKWATER_PUBLIC_URL ?? `http://${config.BREAKWATER_HOST}:${config.BREAKWATER_HTTP_PORT}`;
  const persistence = new SqlQuarantinePersistence(store.db);
  const edge = bus
    ? await createRedisEdge({ bus, clock: systemClock, logger, persistence, limits: edgeLimits(config), nodeCount: config.BREAKWATER_NODE_COUNT })
    : await createMemoryEdge({ clock: systemClock, limits: edgeLimits(config), persistence });
  const core: CoreDeps = {
    store, queue: store, transport, notifier, clock: systemClock, logger, edge,
    settings: {
      defaultDomain: config.BREAKWATER_DOMAIN, publicUrl, maxRecipients: 50, idempotencyTtlMs: 24 * 3600_000,
      webhookAllowPrivate: config.BREAKWATER_WEBHOOK_ALLOW_PRIVATE,
    },
    resolver: new NodeDnsResolver(), webhookSender: new NodeHttpWebhookSender(), secrets,
  };
  // Domains and DKIM (the default domain's key is made on the first start), suppressions, reputation.
  core.deliverability = await startDeliverability({
    store: store.deliverability, clock: systemClock, notifier, logger, defaultDomain: config.BREAKWATER_DOMAIN, secrets,
    settings: { orgSelfResume: config.BREAKWATER_REPUTATION_SELF_RESUME },
    onReputationChange: bus ? reputationPublisher(bus) : undefined,
  });
  if (bus) wireDeliverabilityPeers(bus, core.deliverability, logger);
  // Inbound agent safety (SPF/DKIM/DMARC/ARC, allow and block lists) and fair, paced delivery.
  core.mailAuth = new MailauthAuthenticator({ resolver: core.resolver!, mta: config.BREAKWATER_DOMAIN, logger });
  core.lists = new ListRegistry({ store: new SqlListStore(store.db), clock: systemClock });
  core.pacer = new DeliveryPacer({ limiter: edge.limiter, clock: systemClock });
  // Lane telemetry, /metrics and the dashboard: counted from here on, by every path that shares `edge`.
  const observed = createObservability({ db: store.db, queue: store, edge, clock: systemClock, deliverability: core.deliverability });
  core.telemetry = observed.telemetry;
  const streams = new AbortController();
  const deps: AppDeps = {
    ...core,
    edge,
    keys: new KeyVerifier({
      // One-shot hash: no Hash object per request (~25 % cheaper; every request of a key pays it).
      store, clock: systemClock, hashSync: (key) => hash('sha256', key, 'hex'),
      // A revocation here fails on every node within a second (docs/deployment.md).
      onEvict: bus ? (hash) => bus.publish('keys', hash) : undefined,
    }),
    inFlight: new InFlightKeys(),
    sha256Sync: (text) => hash('sha256', text, 'hex'),
    operatorTokenHash: createHash('sha256').update(operator.token).digest('hex'),
    ready,
    docsAsset,
    sse: { shutdown: streams.signal },
    observability: observed.observability,
  };
  if (bus) {
    bus.subscribe('keys', (hash) => deps.keys.evict(hash, 'peer'));
    // Revocations published while pub/sub was down were missed: verify every key again.
    bus.onResync(() => deps.keys.forgetVerified());
  }
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const leaseMs = config.BREAKWATER_JOB_LEASE_MS;
  const runner = new JobRunner({
    queue: store, queueName: DELIVERY_QUEUE, owner,
    handler: (job) => deliverMessage(core, job), notifier, clock: systemClock, logger, concurrency: 16, leaseMs, lane: 'outbound',
  });
  // Its own lease owner: each runner's stop() gives back only its own leases.
  const webhookRunner = new JobRunner({
    queue: store, queueName: WEBHOOK_QUEUE, owner: `${owner}:webhook`,
    handler: (job) => deliverWebhook(core, job), notifier, clock: systemClock, logger, concurrency: 32,
    // A lease shorter than an attempt (15 s timeout) would hand a slow attempt to a second worker.
    leaseMs: Math.max(leaseMs, 2 * WEBHOOK_TIMEOUT_MS),
  });
  const closeServices = async () => {
    if ('stop' in edge.quarantine) edge.quarantine.stop();
    if ('census' in edge) await edge.census.stop();
    await bus?.close();
  };
  return { deps, store, runner, webhookRunner, closeStreams: () => streams.abort(), operator, closeServices };
}
