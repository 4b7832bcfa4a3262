/**
 * The webhook worker's job handler: one attempt of one delivery. It checks the URL again
 * (DNS rebinding), signs a fresh timestamp under the event's id, posts, and records the
 * outcome with the next attempt in one transaction (the store reschedules or ends the job).
 */
import { requireSecretBox, secretContext } from '../secrets/secret-box.ts';
import type { CoreDeps } from '../context.ts';
import { announceEvents } from '../events/announce.ts';
import { eventPayload, messageUrl } from '../events/event-payload.ts';
import { iso } from '../events/message-payload.ts';
import type { JobResult } from '../jobs/job-runner.ts';
import type { Job, NewOrgEvent, OrgEvent, WebhookAttempt, WebhookDeliveryStatus, WebhookEndpoint } from '../model.ts';
import type { WebhookAttemptWrite, WebhookPostResult } from '../ports.ts';
import { checkWebhookUrl } from './address-policy.ts';
import { resolveHostWith } from './endpoint-service.ts';
import { buildWebhookPayload } from './payload.ts';
import { classifyResponse, nextAttemptDelayMs, shouldDisableEndpoint } from './schedule.ts';
import { webhookHeaders } from './signature.ts';

/** DESIGN §5: an endpoint has 15 s to answer 2xx. */
export const WEBHOOK_TIMEOUT_MS = 15_000;
const USER_AGENT = 'Breakwater-Webhooks/1';

export interface WebhookWorkerOptions {
  timeoutMs?: number;
  /** Retry jitter, a fraction of each delay (schedule.ts; default ±10 %). Tests pass 0. */
  jitter?: number;
  random?: () => number;
}

/** Runs the due attempt of the delivery named by the job. Never throws for an endpoint's failure. */
export async function deliverWebhook(deps: CoreDeps, job: Job, options: WebhookWorkerOptions = {}): Promise<JobResult> {
  const deliveryId = String(job.payload.deliveryId ?? '');
  const ctx = await deps.store.loadWebhookDelivery(deliveryId);
  // Gone with its endpoint, superseded by a replay's job, or already finished: nothing to send.
  if (!ctx || ctx.delivery.jobId !== job.id || ctx.delivery.status !== 'pending') return { kind: 'done' };
  const { delivery, endpoint, event } = ctx;
  const base = { deliveryId, endpointId: delivery.endpointId, jobId: job.id };
  const stop = async (reason: string): Promise<JobResult> => {
    await deps.store.recordWebhookAttempt({ ...base, attempt: null, reason, status: 'failed', nextAttemptAt: null, at: deps.clock(), endpoint: 'unchanged' });
    return { kind: 'done' };
  };
  if (!endpoint) return stop('the endpoint was deleted');
  if (!event) return stop('the event was deleted with its inbox');
  if (!endpoint.enabled) return stop(`the endpoint is disabled: ${endpoint.disabledReason ?? 'no reason recorded'}`);

  const startedAt = deps.clock();
  const sent = await attempt(deps, endpoint, event, startedAt, options.timeoutMs ?? WEBHOOK_TIMEOUT_MS);
  const at = deps.clock();
  const number = delivery.attempts + 1;
  const write = outcome(sent, endpoint, event, number, at, options);
  const record: WebhookAttempt = {
    deliveryId, attempt: number, statusCode: sent.status, durationMs: sent.durationMs, error: sent.error, at: startedAt, nextAttemptAt: write.nextAttemptAt,
  };
  await deps.store.recordWebhookAttempt({ ...base, ...write, attempt: record, at });
  if (write.event) announceEvents(deps.notifier, [endpoint.orgId]);

  const log = { lane: event.lane, org: endpoint.orgId, inbox: event.inboxId, webhook: endpoint.id, delivery: deliveryId, event: event.id, attempt: number, status: sent.status, ms: Math.round(sent.durationMs), outcome: write.status };
  deps.telemetry?.webhookAttempt(write.status);
  if (write.status === 'succeeded') deps.logger.debug(log, 'webhook attempt');
  else deps.logger.info({ ...log, error: sent.error }, 'webhook attempt failed');
  return write.status === 'pending' ? { kind: 'retry', runAt: write.nextAttemptAt!, error: sent.error ?? `HTTP ${sent.status}` } : { kind: 'done' };
}

type Outcome = Pick<WebhookAttemptWrite, 'status' | 'nextAttemptAt' | 'endpoint' | 'event'> & { status: WebhookDeliveryStatus };

/** What one attempt's result means for the delivery and for its endpoint. */
function outcome(sent: WebhookPostResult, endpoint: WebhookEndpoint, event: OrgEvent, number: number, at: number, o: WebhookWorkerOptions): Outcome {
  const verdict = classifyResponse(sent.status, sent.error ?? undefined);
  if (verdict === 'success') return { status: 'succeeded', nextAttemptAt: null, endpoint: 'healthy' };
  if (verdict === 'disable') return disable(endpoint, event, at, 'the endpoint answered 410 Gone');
  const firstFailureAt = endpoint.firstFailureAt ?? at;
  if (shouldDisableEndpoint(firstFailureAt, at)) {
    return disable(endpoint, event, at, `no successful delivery since ${iso(firstFailureAt)}: failing for 5 days`);
  }
  const delay = nextAttemptDelayMs(number, { jitter: o.jitter, random: o.random });
  // After the last scheduled attempt the delivery is dead-lettered: kept, visible, replayable.
  if (delay === null) return { status: 'dead', nextAttemptAt: null, endpoint: 'failing' };
  return { status: 'pending', nextAttemptAt: at + delay, endpoint: 'failing' };
}

function disable(endpoint: WebhookEndpoint, cause: OrgEvent, at: number, reason: string): Outcome {
  const event: NewOrgEvent = {
    orgId: endpoint.orgId, inboxId: null, type: 'webhook.endpoint_disabled', lane: 'control', createdAt: at,
    data: { endpoint: { id: endpoint.id, url: endpoint.url, enabled: false, disabled_reason: reason }, reason, last_event_id: cause.id },
  };
  return { status: 'failed', nextAttemptAt: null, endpoint: { disable: reason }, event };
}

/** One signed POST to an address that passed the SSRF check just now. */
async function attempt(deps: CoreDeps, endpoint: WebhookEndpoint, event: OrgEvent, now: number, timeoutMs: number): Promise<WebhookPostResult> {
  const sender = deps.webhookSender;
  if (!sender) return { status: null, error: 'no webhook sender is configured in this runtime', durationMs: 0 };
  try {
    const check = await checkWebhookUrl(endpoint.url, resolveHostWith(deps), { allowPrivate: deps.settings.webhookAllowPrivate ?? false });
    if (!check.ok) return { status: null, error: `${check.code}: ${check.detail}`, durationMs: 0 };
    const publicUrl = deps.settings.publicUrl;
    const payload = buildWebhookPayload(eventPayload(event, publicUrl), { messageUrl: (id) => messageUrl(publicUrl, id) });
    // webhook-id is the event id on every attempt, so receivers deduplicate; the timestamp is this attempt's.
    const secret = await requireSecretBox(deps.secrets).open(endpoint.secret, secretContext('webhook', endpoint.id));
    const signed = await webhookHeaders(secret, event.id, Math.floor(now / 1000), payload.body);
    const headers = { ...signed, 'content-type': 'application/json', 'user-agent': USER_AGENT };
    return await sender.post({ url: check.url, addresses: check.addresses, headers, body: payload.body, timeoutMs });
  } catch (err) {
    // A fault of ours (payload over the cap, a secret no configured key opens): logged on the
    // attempt, retried on schedule, so fixing the key lets the delivery through.
    deps.logger.error({ err, webhook: endpoint.id, event: event.id }, 'webhook attempt fault');
    return { status: null, error: `internal error: ${(err as Error).message}`, durationMs: 0 };
  }
}
