import type { Clock, Logger, MailTransport, Notifier, Queue, Store } from './ports.ts';

/** Policy values core services need; the composition root fills them from configuration. */
export interface CoreSettings {
  /** Default domain of new inboxes (BREAKWATER_DOMAIN). */
  defaultDomain: string;
  /** Base URL of the HTTP API, for links in payloads. */
  publicUrl: string;
  maxRecipients: number;
  idempotencyTtlMs: number;
}

/** Everything a core service may touch, injected once by a runtime's composition root. */
export interface CoreDeps {
  store: Store;
  queue: Queue;
  /** null: no relay configured, so mail to outside domains is held in the sandbox. */
  transport: MailTransport | null;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  settings: CoreSettings;
}

/** Notifier topics. */
export const topics = {
  inbox: (inboxId: string) => `inbox:${inboxId}`,
  queue: (queue: string) => `queue:${queue}`,
};

export const DELIVERY_QUEUE = 'delivery';
