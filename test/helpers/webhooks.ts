import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { DELIVERY_QUEUE, WEBHOOK_QUEUE, type CoreDeps } from '../../src/core/context.ts';
import { deliverMessage } from '../../src/core/delivery/deliver.ts';
import type { JobResult } from '../../src/core/jobs/job-runner.ts';
import type { Resolver, WebhookPost, WebhookPostResult, WebhookSender } from '../../src/core/ports.ts';
import { deliverWebhook, type WebhookWorkerOptions } from '../../src/core/webhooks/delivery-worker.ts';

/** A WebhookSender that records every request and answers from a script (default 200). */
export class FakeSender implements WebhookSender {
  readonly requests: WebhookPost[] = [];
  next: Array<Partial<WebhookPostResult>> = [];
  fallback: Partial<WebhookPostResult> = { status: 200 };

  async post(request: WebhookPost): Promise<WebhookPostResult> {
    this.requests.push(request);
    const answer = this.next.shift() ?? this.fallback;
    return { status: answer.status ?? null, error: answer.error ?? null, durationMs: answer.durationMs ?? 3 };
  }
}

/** A resolver whose answers a test can change, to play DNS rebinding. */
export class MutableResolver implements Resolver {
  constructor(public hosts: Record<string, string[]> = {}) {}
  async resolveHost(host: string): Promise<string[]> {
    return [...(this.hosts[host.toLowerCase()] ?? [])];
  }
}

/** Runs every due job of a queue once, as the JobRunner would (claim, handle, complete/retry). */
export async function runDue(deps: CoreDeps, queue: string, handler: (job: Parameters<typeof deliverWebhook>[1]) => Promise<JobResult>): Promise<JobResult[]> {
  const jobs = await deps.queue.claim(queue, 'test-worker', 60_000, 100, deps.clock());
  const results: JobResult[] = [];
  for (const job of jobs) {
    const result = await handler(job);
    if (result.kind === 'done') await deps.queue.complete(job.id, 'test-worker');
    else if (result.kind === 'retry') await deps.queue.retry(job.id, 'test-worker', result.runAt, result.error);
    else if (result.kind === 'failed') await deps.queue.fail(job.id, 'test-worker', result.error);
    else await deps.queue.retry(job.id, 'test-worker', result.runAt, result.reason);
    results.push(result);
  }
  return results;
}

export const runWebhooks = (deps: CoreDeps, options: WebhookWorkerOptions = { jitter: 0 }) =>
  runDue(deps, WEBHOOK_QUEUE, (job) => deliverWebhook(deps, job, options));
export const runDeliveries = (deps: CoreDeps) => runDue(deps, DELIVERY_QUEUE, (job) => deliverMessage(deps, job));

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** Verified by the standardwebhooks reference library, not by our code. */
  verified: boolean;
  at: number;
}

/**
 * A webhook receiver on 127.0.0.1 that verifies every request with the `standardwebhooks`
 * package. `answer` picks the status (and headers) per request.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  secret: string | null = null;
  answer: (req: ReceivedWebhook) => { status: number; headers?: Record<string, string> } = () => ({ status: 204 });
  private waiters: Array<() => void> = [];
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(path = '/hooks'): Promise<WebhookReceiver> {
    let self: WebhookReceiver | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const entry: ReceivedWebhook = { headers: req.headers, body, verified: self!.verify(req.headers, body), at: performance.now() };
        self!.received.push(entry);
        const { status, headers } = self!.answer(entry);
        res.writeHead(status, headers).end();
        for (const wake of self!.waiters.splice(0)) wake();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    return self;
  }

  verify(headers: IncomingHttpHeaders, body: string): boolean {
    if (!this.secret) return false;
    try {
      new Webhook(this.secret).verify(body, headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  }

  /** Resolves once `n` requests have arrived in all (fails after `timeoutMs`). */
  async waitFor(n: number, timeoutMs = 10_000): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > deadline) throw new Error(`receiver got ${this.received.length} of ${n} webhooks in ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
    return this.received;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
