import type { WakeUp } from '../../adapters/notifier/queue-wake/queue-wake-notifier.ts';
import type { WorkerComposition } from './compose.ts';

/** Jobs claimed per round; a round repeats while it comes back full, up to the invocation's budget. */
const BATCH = 25;
/** Wall time one invocation spends claiming more (queue consumers may run minutes; leave room). */
const BUDGET_MS = 60_000;

/**
 * Runs the due jobs of one queue to exhaustion or budget. The jobs table is the truth: a wake-up
 * message says only "look now", so every round claims whatever is due, whoever enqueued it.
 */
export async function runDueJobs(c: WorkerComposition, queue: string, budgetMs = BUDGET_MS): Promise<number> {
  const runner = c.runners.get(queue);
  if (!runner) return 0;
  const deadline = Date.now() + budgetMs;
  let total = 0;
  for (;;) {
    const claimed = await runner.runOnce(BATCH);
    total += claimed;
    if (claimed < BATCH || Date.now() > deadline) return total;
  }
}

/** Queue consumer: one drain per named queue in the batch, then every message acknowledged. */
export async function consumeWakeUps(c: WorkerComposition, batch: MessageBatch<unknown>): Promise<void> {
  const queues = new Set<string>();
  for (const m of batch.messages) {
    const body = m.body as Partial<WakeUp> | null;
    if (body && typeof body.queue === 'string' && c.runners.has(body.queue)) queues.add(body.queue);
    else c.logger.warn({ message: m.id }, 'unknown job wake-up dropped');
  }
  try {
    for (const queue of queues) {
      const ran = await runDueJobs(c, queue);
      c.logger.debug({ queue, ran, messages: batch.messages.length }, 'job wake-up');
    }
    batch.ackAll();
  } catch (err) {
    // The store did not answer the claim: let Queues deliver the wake-ups again, after a pause.
    c.logger.error({ err }, 'job wake-up failed; retrying the batch');
    batch.retryAll({ delaySeconds: 10 });
  }
}

/**
 * Cron (every minute): runs what no wake-up ran (retries that came due, jobs whose wake-up was
 * lost, leases of an invocation that died), purges expired idempotency keys, and writes the
 * isolate's refusal summary.
 */
export async function sweep(c: WorkerComposition): Promise<void> {
  for (const queue of c.runners.keys()) {
    const ran = await runDueJobs(c, queue, 20_000);
    if (ran > 0) c.logger.info({ queue, ran }, 'cron sweep ran due jobs');
  }
  const purged = await c.store.purgeExpiredIdempotency(c.core.clock());
  if (purged > 0) c.logger.info({ purged }, 'expired idempotency keys purged');
  c.deps.edge.rejections.flush(c.logger, 60_000);
}
