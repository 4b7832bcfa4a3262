import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { WebhookPost, WebhookPostResult, WebhookSender } from '../../../core/ports.ts';

export interface NodeHttpWebhookSenderOptions {
  /** Response bytes read before the connection is dropped (default 4 KiB): we only need the status. */
  maxResponseBytes?: number;
  /** Connections per endpoint host (default 64); kept alive between deliveries. */
  maxSockets?: number;
}

/**
 * The WebhookSender on node:http and node:https. The socket connects to an address the SSRF
 * check approved, by IP (the name goes in Host and in TLS SNI, and the certificate is checked
 * against it), so a name that rebinds to 127.0.0.1 after the check is never reached, and
 * kept-alive sockets are pooled per address. Redirects are not followed.
 */
export class NodeHttpWebhookSender implements WebhookSender {
  private readonly maxResponseBytes: number;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(options: NodeHttpWebhookSenderOptions = {}) {
    this.maxResponseBytes = options.maxResponseBytes ?? 4096;
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  }

  post(request: WebhookPost): Promise<WebhookPostResult> {
    const { url, addresses, headers, body, timeoutMs } = request;
    const started = performance.now();
    const address = addresses[0];
    if (address === undefined || !isIP(address)) return Promise.resolve({ status: null, error: 'no checked address to connect to', durationMs: 0 });
    return new Promise((resolve) => {
      let settled = false;
      const finish = (status: number | null, error: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status, error, durationMs: performance.now() - started });
      };
      const secure = url.protocol === 'https:';
      const name = url.hostname.replace(/^\[|\]$/g, '');
      const payload = Buffer.from(body, 'utf8');
      const req = (secure ? https : http).request({
        method: 'POST', protocol: url.protocol, host: address, port: url.port || (secure ? 443 : 80),
        path: `${url.pathname}${url.search}`, headers: { ...headers, host: url.host, 'content-length': String(payload.length) },
        agent: secure ? this.httpsAgent : this.httpAgent,
        // RFC 6066 §3: SNI carries names only; the certificate is verified against this name too.
        ...(secure && !isIP(name) ? { servername: name } : {}),
      }, (res) => {
        const status = res.statusCode ?? null;
        const location = res.headers.location;
        // The status is the answer (Standard Webhooks: any 2xx); the body is read only to reuse the socket.
        finish(status, status !== null && status >= 300 && status < 400 ? `redirect${location ? ` to ${location.slice(0, 200)}` : ''} not followed` : null);
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > this.maxResponseBytes) res.destroy();
        });
        res.on('error', () => {});
      });
      const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => finish(null, describe(err)));
      req.end(payload);
    });
  }

  async close(): Promise<void> {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function describe(err: NodeJS.ErrnoException): string {
  const code = err.code ? `${err.code}: ` : '';
  return `${code}${err.message}`.slice(0, 500);
}
