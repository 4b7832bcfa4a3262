import type { Deliverability } from './deliverability.ts';
import type { LaneTelemetry } from './lanes/telemetry.ts';
import type { OutboundGuardDeps } from './limits/outbound-guard.ts';
import type { DeliveryPacer } from './delivery/pacing.ts';
import type { ListRegistry } from './inbound/list-registry.ts';
import type { MailAuthenticator } from './inbound/verdicts.ts';
import type { SecretBox } from './secrets/secret-box.ts';
import type { Clock, Logger, MailTransport, Notifier, Queue, Resolver, Store, WebhookSender } from './ports.ts';

/** Policy values core services need; the composition root fills them from configuration. */
export interface CoreSettings {
  /** Default domain of new inboxes (BREAKWATER_DOMAIN). */
  defaultDomain: string;
  /** Base URL of the HTTP API, for links in payloads. */
  publicUrl: string;
  maxRecipients: number;
  idempotencyTtlMs: number;
  /** BREAKWATER_WEBHOOK_ALLOW_PRIVATE: webhook URLs may reach loopback and private addresses. Default false. */
  webhookAllowPrivate?: boolean;
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
  /** Limiter, quarantine and limits: the gates every send passes (src/core/limits/outbound-guard.ts). */
  edge: OutboundGuardDeps;
  /** DNS for the webhook SSRF check. Without it, only IP-literal webhook URLs pass the check. */
  resolver?: Resolver;
  /** Delivers webhooks; only the webhook worker needs it (absent in the CLI). */
  webhookSender?: WebhookSender;
  /** Lane telemetry and metrics (src/core/lanes/telemetry.ts); absent: nothing is counted. */
  telemetry?: LaneTelemetry;
  /** Domains and DKIM, suppressions, reputation, warm-up (src/core/deliverability.ts). Absent: none of it runs. */
  deliverability?: Deliverability;
  /** SPF, DKIM, DMARC and ARC of mail from outside (src/core/inbound/verdicts.ts); without it, `auth` stays null. */
  mailAuth?: MailAuthenticator;
  /** Allow and block lists, cached per org (src/core/inbound/list-registry.ts); without it, nothing is listed. */
  lists?: ListRegistry;
  /** Per-domain and per-inbox delivery pacing (src/core/delivery/pacing.ts); without it, no pacing. */
  pacer?: DeliveryPacer;
  /** Seals webhook secrets before they are stored and opens them to sign; absent (the CLI): creating a webhook is a fault. */
  secrets?: SecretBox;
}

/** Notifier topics. */
export const topics = {
  inbox: (inboxId: string) => `inbox:${inboxId}`,
  queue: (queue: string) => `queue:${queue}`,
  /** Published after an org's events commit: wakes its SSE streams. */
  events: (orgId: string) => `events:${orgId}`,
};

export const DELIVERY_QUEUE = 'delivery';
/** Webhook deliveries: one job per (event, endpoint), committed with the event. */
export const WEBHOOK_QUEUE = 'webhook';
