import { hostname } from 'node:os';
import { randomBytes, createHash } from 'node:crypto';
import { join } from 'node:path';
import type { CoreDeps } from '../../core/context.ts';
import { DELIVERY_QUEUE } from '../../core/context.ts';
import { deliverMessage } from '../../core/delivery/deliver.ts';
import { InFlightKeys } from '../../core/idempotency/idempotency.ts';
import { JobRunner } from '../../core/jobs/job-runner.ts';
import { KeyVerifier } from '../../core/keys/key-verifier.ts';
import { systemClock } from '../../core/ports.ts';
import type { AppDeps } from '../../http/app-deps.ts';
import { SmtpRelayTransport } from '../../adapters/mail/smtp-relay/smtp-relay-transport.ts';
import { MemoryNotifier } from '../../adapters/notifier/memory/memory-notifier.ts';
import { SqliteStore } from '../../adapters/store/sqlite/sqlite-store.ts';
import type { Config } from './config.ts';
import { ensureDataDir, operatorToken } from './data-dir.ts';
import { docsAsset } from './docs-assets.ts';
import { createLogger } from './logger.ts';

export const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

export interface Composition {
  deps: AppDeps;
  store: SqliteStore;
  runner: JobRunner;
  operator: { token: string; created: boolean };
}

/** The single-node composition root: the one place that reads configuration and picks adapters. */
export async function compose(config: Config, ready: () => boolean): Promise<Composition> {
  const logger = createLogger(config.BREAKWATER_LOG_LEVEL);
  if (config.BREAKWATER_DATABASE_URL) {
    throw new Error('BREAKWATER_DATABASE_URL: the PostgreSQL store is not available in this build; unset it to use SQLite');
  }
  ensureDataDir(config.BREAKWATER_DATA_DIR);
  const store = new SqliteStore({ filename: join(config.BREAKWATER_DATA_DIR, 'breakwater.db'), synchronous: config.BREAKWATER_SQLITE_SYNCHRONOUS });
  await store.migrate();
  // Jobs leased by a process killed before it finished run again now, not after their lease.
  const released = await store.releaseAllLeases();
  if (released > 0) logger.warn({ released }, 'released job leases left by a previous process');
  const operator = operatorToken(config.BREAKWATER_DATA_DIR, config.BREAKWATER_OPERATOR_TOKEN);
  const notifier = new MemoryNotifier();
  const transport = config.BREAKWATER_SMTP_RELAY ? new SmtpRelayTransport({ url: config.BREAKWATER_SMTP_RELAY }) : null;
  const publicUrl = config.BREAKWATER_PUBLIC_URL ?? `http://${config.BREAKWATER_HOST}:${config.BREAKWATER_HTTP_PORT}`;
  const core: CoreDeps = {
    store, queue: store, transport, notifier, clock: systemClock, logger,
    settings: { defaultDomain: config.BREAKWATER_DOMAIN, publicUrl, maxRecipients: 50, idempotencyTtlMs: 24 * 3600_000 },
  };
  const deps: AppDeps = {
    ...core,
    keys: new KeyVerifier({ store, clock: systemClock }),
    inFlight: new InFlightKeys(),
    operatorTokenHash: createHash('sha256').update(operator.token).digest('hex'),
    ready,
    docsAsset,
  };
  const runner = new JobRunner({
    queue: store, queueName: DELIVERY_QUEUE, owner: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    handler: (job) => deliverMessage(core, job), notifier, clock: systemClock, logger, concurrency: 16,
  });
  return { deps, store, runner, operator };
}
