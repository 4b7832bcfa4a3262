import { serve, type ServerType } from '@hono/node-server';
import type { SMTPServer } from 'smtp-server';
import { createApp } from '../../http/app.ts';
import { compose, MAX_MESSAGE_BYTES } from './compose.ts';
import { smtpLimits, type Config } from './config.ts';
import { tlsCredentials } from './data-dir.ts';
import { createInboundSmtpServer } from './smtp/inbound-server.ts';

export interface RunningServer {
  httpPort: number;
  smtpPort: number;
  operatorToken: string;
  /** True on the first start, which made the token: print it once. */
  operatorTokenCreated: boolean;
  stop(): Promise<void>;
}

function listenHttp(app: ReturnType<typeof createApp>, host: string, port: number): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => resolve({ server, port: info.port }));
    server.once('error', reject);
  });
}

function listenSmtp(smtp: SMTPServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(port, host, () => {
      smtp.server.off('error', reject);
      const addr = smtp.server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/** Starts the single-node shape: HTTP API, SMTP MX and the delivery worker in one process. */
export async function startServer(config: Config): Promise<RunningServer> {
  let listening = false;
  const { deps, store, runner, webhookRunner, closeStreams, operator, closeServices } = await compose(config, () => listening);
  const tls = await tlsCredentials(config.BREAKWATER_DATA_DIR, config.BREAKWATER_TLS_CERT, config.BREAKWATER_TLS_KEY, config.BREAKWATER_DOMAIN);
  const app = createApp(deps);
  const http = await listenHttp(app, config.BREAKWATER_HOST, config.BREAKWATER_HTTP_PORT);
  const smtp = createInboundSmtpServer({ deps, hostname: config.BREAKWATER_DOMAIN, tls, maxSize: MAX_MESSAGE_BYTES, limits: smtpLimits(config) });
  const smtpPort = await listenSmtp(smtp, config.BREAKWATER_HOST, config.BREAKWATER_SMTP_PORT);
  runner.start();
  webhookRunner.start();
  listening = true;
  const purge = setInterval(() => void store.purgeExpiredIdempotency(Date.now()).catch(() => {}), 3600_000);
  purge.unref();
  const REJECTION_SUMMARY_MS = 10_000;
  const summary = setInterval(() => deps.edge.rejections.flush(deps.logger, REJECTION_SUMMARY_MS), REJECTION_SUMMARY_MS);
  summary.unref();
  deps.logger.info({ http: http.port, smtp: smtpPort, domain: config.BREAKWATER_DOMAIN, relay: config.BREAKWATER_SMTP_RELAY ? 'configured' : 'none (local delivery and sandbox)' }, 'breakwater ready');

  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= (async () => {
    listening = false;
    clearInterval(purge);
    clearInterval(summary);
    deps.edge.rejections.flush(deps.logger, REJECTION_SUMMARY_MS);
    // Event streams never end on their own: end them, or the HTTP server waits for them.
    closeStreams();
    // Stop accepting; in-flight requests and SMTP sessions finish (smtp-server waits up to closeTimeout).
    const httpClosed = new Promise<void>((r) => http.server.close(() => r()));
    (http.server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    const smtpClosed = new Promise<void>((r) => smtp.close(() => r()));
    await Promise.all([httpClosed, smtpClosed]);
    // Finish running jobs and give back every lease so another process can take them at once.
    await Promise.all([runner.stop(), webhookRunner.stop()]);
    await deps.webhookSender?.close?.();
    await deps.transport?.close();
    // Redis and the quarantine reload first: the reload reads the store.
    await closeServices();
    await store.close();
    deps.logger.info({}, 'breakwater stopped');
  })());

  return { httpPort: http.port, smtpPort, operatorToken: operator.token, operatorTokenCreated: operator.created, stop };
}
