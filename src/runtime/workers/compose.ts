import { waitUntil } from 'cloudflare:workers';
import type { Hono } from 'hono';
import { HeaderAuthenticator } from '../../adapters/mail-auth/authentication-results/header-authenticator.ts';
import { SocketSmtpTransport } from '../../adapters/mail/cloudflare-socket/socket-smtp-transport.ts';
import { MemoryNotifier } from '../../adapters/notifier/memory/memory-notifier.ts';
import { QueueWakeNotifier, type WakeUp } from '../../adapters/notifier/queue-wake/queue-wake-notifier.ts';
import { DohResolver } from '../../adapters/resolver/doh/doh-resolver.ts';
import { SqlAdminReads } from '../../adapters/store/sql/admin-reads.ts';
import { FetchWebhookSender } from '../../adapters/webhook-sender/fetch/fetch-webhook-sender.ts';
import { DELIVERY_QUEUE, WEBHOOK_QUEUE, type CoreDeps } from '../../core/context.ts';
import { startDeliverability } from '../../core/deliverability-init.ts';
import { deliverMessage } from '../../core/delivery/deliver.ts';
import { DeliveryPacer } from '../../core/delivery/pacing.ts';
import { sha256Hex, randomToken } from '../../core/crypto.ts';
import { InFlightKeys } from '../../core/idempotency/idempotency.ts';
import { ListRegistry } from '../../core/inbound/list-registry.ts';
import { JobRunner } from '../../core/jobs/job-runner.ts';
import { KeyVerifier } from '../../core/keys/key-verifier.ts';
import { QueueSampler } from '../../core/lanes/queue-sampler.ts';
import { LaneTelemetry } from '../../core/lanes/telemetry.ts';
import { systemClock, type Logger, type Queue, type Store } from '../../core/ports.ts';
import { deliverWebhook, WEBHOOK_TIMEOUT_MS } from '../../core/webhooks/delivery-worker.ts';
import { createApp } from '../../http/app.ts';
import type { AppDeps } from '../../http/app-deps.ts';
import type { AppEnv } from '../../http/app-env.ts';
import { createConsoleLogger } from './console-logger.ts';
import { loadWorkerConfig, WorkerConfigError, workerEdgeLimits, type WorkerConfig } from './config.ts';
import { createDurableObjectEdge } from './edge.ts';
import type { BreakwaterEnv } from './env.ts';
import { cloudflareConnect } from './socket-connect.ts';
import { openWorkerSecrets } from './secrets.ts';
import { openWorkerStores } from './store.ts';

/** Email Workers and DESIGN §5 allow 25 MiB; Email Routing itself refuses larger mail first. */
export const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
/** Cloudflare Queues delays a message by at most 12 hours; later runs wait for a cron sweep. */
const MAX_QUEUE_DELAY_S = 12 * 3600;

export interface WorkerComposition {
  config: WorkerConfig;
  core: CoreDeps;
  deps: AppDeps;
  app: Hono<AppEnv>;
  store: Store & Queue;
  /** One runner per job queue (delivery, webhook), driven by queue messages and cron: never start()ed. */
  runners: Map<string, JobRunner>;
  logger: Logger;
}

let composed: Promise<WorkerComposition> | null = null;

/**
 * The isolate's composition, made on first use and kept: D1 migrated (a cheap check once
 * current), deliverability loaded, the app built. A failed start is forgotten, so the next
 * request tries again rather than every request failing for the isolate's lifetime.
 */
export function composition(env: BreakwaterEnv): Promise<WorkerComposition> {
  if (!composed) {
    composed = compose(env);
    composed.catch(() => (composed = null));
  }
  return composed;
}

/** The edge composition root: the one place on Workers that reads `env` and picks adapters. */
async function compose(env: BreakwaterEnv): Promise<WorkerComposition> {
  const config = loadWorkerConfig(env);
  if (!config.BREAKWATER_OPERATOR_TOKEN) {
    throw new WorkerConfigError('BREAKWATER_OPERATOR_TOKEN: required on Workers (there is no data dir to keep a generated one); set it with `wrangler secret put BREAKWATER_OPERATOR_TOKEN`, or in .dev.vars for `wrangler dev`');
  }
  const logger = createConsoleLogger(config.BREAKWATER_LOG_LEVEL);
  const clock = systemClock;
  // Every write of these ports goes to the StoreWriter object; `local` is read-only.
  const { store, deliverability, lists, local } = openWorkerStores(env);
  // Once per isolate: the migrator finds every migration applied and returns (a fresh local D1 gets them all).
  await store.migrate();
  // Webhook secrets and DKIM keys sealed at rest; stale rows (plaintext, an older key) resealed once per isolate.
  const secrets = await openWorkerSecrets(config, store, logger);

  const notifier = new QueueWakeNotifier({
    local: new MemoryNotifier(),
    send: async (body: WakeUp) => {
      await env.JOBS.send(body);
    },
    keepAlive: waitUntil,
    onError: (err, queue) => logger.warn({ err, queue }, 'job wake-up not sent; the cron sweep will run the job'),
    // Long-polls and event streams look again each second: another isolate's commit never wakes them here.
    maxWaitMs: 1000,
  });
  const edge = await createDurableObjectEdge(env, clock, workerEdgeLimits(config), logger);
  const resolver = new DohResolver({ url: config.BREAKWATER_DOH_URL });
  const core: CoreDeps = {
    store, queue: store, notifier, clock, logger, edge,
    transport: config.BREAKWATER_SMTP_RELAY
      ? new SocketSmtpTransport({ url: config.BREAKWATER_SMTP_RELAY, connect: cloudflareConnect, clientName: config.BREAKWATER_DOMAIN })
      : null,
    // The Worker cannot know the URL it is reached at (workers.dev, a route): set BREAKWATER_PUBLIC_URL for links in payloads.
    settings: {
      defaultDomain: config.BREAKWATER_DOMAIN, publicUrl: config.BREAKWATER_PUBLIC_URL ?? `https://${config.BREAKWATER_DOMAIN}`,
      maxRecipients: 50, idempotencyTtlMs: 24 * 3600_000, webhookAllowPrivate: config.BREAKWATER_WEBHOOK_ALLOW_PRIVATE,
    },
    resolver, webhookSender: new FetchWebhookSender(), secrets,
  };
  core.deliverability = await startDeliverability({
    store: deliverability, clock, notifier, logger, defaultDomain: config.BREAKWATER_DOMAIN, secrets,
    settings: { orgSelfResume: config.BREAKWATER_REPUTATION_SELF_RESUME },
  });
  // Without an authserv-id to trust, inbound verdicts are recorded as not checked (auth: null).
  if (config.BREAKWATER_EMAIL_AUTHSERV_ID) core.mailAuth = new HeaderAuthenticator({ authservId: config.BREAKWATER_EMAIL_AUTHSERV_ID });
  core.lists = new ListRegistry({ store: lists, clock });
  core.pacer = new DeliveryPacer({ limiter: edge.limiter, clock });
  // Lane counts of this isolate only: /v1/telemetry/lanes answers from them; /metrics has no
  // backend here (no process to scrape) and answers 404.
  core.telemetry = new LaneTelemetry({ clock });
  const previous = edge.onQuarantine;
  edge.onQuarantine = (entry, change) => {
    previous?.(entry, change);
    core.telemetry?.quarantine(entry, change);
  };
  const sampler = new QueueSampler({ queue: store, queues: [DELIVERY_QUEUE, WEBHOOK_QUEUE], clock, maxAgeMs: 1000, timeoutMs: 2000 });

  const deps: AppDeps = {
    ...core, edge,
    // No synchronous SHA-256 on Workers (no node:crypto): the verifier hashes with Web Crypto.
    keys: new KeyVerifier({ store, clock }),
    inFlight: new InFlightKeys(),
    operatorTokenHash: await sha256Hex(config.BREAKWATER_OPERATOR_TOKEN),
    observability: { queueDepths: () => sampler.sample(), admin: new SqlAdminReads(local.db) },
  };

  const owner = `worker:${randomToken(6)}`;
  const wakeLater = (queue: string) => (runAt: number) => {
    const delaySeconds = Math.ceil((runAt - clock()) / 1000);
    if (delaySeconds > MAX_QUEUE_DELAY_S) return;
    waitUntil(env.JOBS.send({ queue } satisfies WakeUp, { delaySeconds: Math.max(0, delaySeconds) }).catch((err: unknown) => logger.warn({ err, queue }, 'delayed job wake-up not sent')));
  };
  const runners = new Map<string, JobRunner>([
    [DELIVERY_QUEUE, new JobRunner({
      queue: store, queueName: DELIVERY_QUEUE, owner, handler: (job) => deliverMessage(core, job), notifier, clock, logger,
      concurrency: 6, leaseMs: 120_000, lane: 'outbound', onLater: wakeLater(DELIVERY_QUEUE),
    })],
    [WEBHOOK_QUEUE, new JobRunner({
      queue: store, queueName: WEBHOOK_QUEUE, owner: `${owner}:webhook`, handler: (job) => deliverWebhook(core, job), notifier, clock, logger,
      // Workers allow six open connections per invocation; a lease outlives a whole attempt.
      concurrency: 6, leaseMs: 2 * WEBHOOK_TIMEOUT_MS, onLater: wakeLater(WEBHOOK_QUEUE),
    })],
  ]);
  return { config, core, deps, app: createApp(deps), store, runners, logger };
}
