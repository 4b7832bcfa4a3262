import type { WebhookPost, WebhookPostResult, WebhookSender } from '../../../core/ports.ts';

export interface FetchWebhookSenderOptions {
  /** Response bytes read before the body is dropped (default 4 KiB): only the status matters. */
  maxResponseBytes?: number;
  /** The fetch to use (tests; a Worker's global fetch by default). */
  fetch?: typeof fetch;
}

/**
 * The WebhookSender on `fetch`, for Workers. Redirects are not followed and the answer is
 * bounded in time and size, as on Node. What is weaker: fetch connects to whatever the name
 * resolves to at that moment, not to the address the SSRF check approved (core/webhooks/
 * address-policy.ts), so a name that rebinds between the check and the request is not caught
 * here. On Cloudflare's network a Worker's fetch cannot reach private or loopback addresses
 * anyway; an IP-literal URL is held to the approved address exactly.
 */
export class FetchWebhookSender implements WebhookSender {
  private readonly maxResponseBytes: number;
  private readonly fetch: typeof fetch;

  constructor(options: FetchWebhookSenderOptions = {}) {
    this.maxResponseBytes = options.maxResponseBytes ?? 4096;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async post(request: WebhookPost): Promise<WebhookPostResult> {
    const { url, addresses, headers, body, timeoutMs } = request;
    const started = performance.now();
    const result = (status: number | null, error: string | null): WebhookPostResult => ({ status, error, durationMs: performance.now() - started });
    if (addresses.length === 0) return result(null, 'no checked address to connect to');
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIpLiteral(literal) && !addresses.includes(literal)) return result(null, `address ${literal} was not the one checked`);
    const abort = AbortSignal.timeout(timeoutMs);
    try {
      const res = await this.fetch(url.href, { method: 'POST', headers, body, redirect: 'manual', signal: abort });
      await this.drain(res);
      const location = res.headers.get('location');
      const redirect = res.status >= 300 && res.status < 400;
      return result(res.status, redirect ? `redirect${location ? ` to ${location.slice(0, 200)}` : ''} not followed` : null);
    } catch (err) {
      if (abort.aborted) return result(null, `ETIMEDOUT: no answer within ${timeoutMs} ms`);
      return result(null, (err instanceof Error ? err.message : String(err)).slice(0, 500));
    }
  }

  /** Reads up to the byte cap, then cancels: a huge or endless body costs nothing more. */
  private async drain(res: Response): Promise<void> {
    if (!res.body) return;
    const reader = res.body.getReader();
    let read = 0;
    try {
      while (read <= this.maxResponseBytes) {
        const { value, done } = await reader.read();
        if (done) return;
        read += value.byteLength;
      }
      await reader.cancel();
    } catch {
      // A body cut short changes nothing: the status is the answer.
    }
  }
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}
