/**
 * A webhook receiver that checks every delivery's Standard Webhooks signature with the SDK
 * before trusting a byte of it.
 *
 *   BREAKWATER_WEBHOOK_SECRET=whsec_… [PORT=8787] npx tsx examples/webhook-receiver.ts
 *
 * Create the endpoint with `POST /v1/webhooks {"url": "https://…/hooks/breakwater"}` and keep
 * the `secret` of its answer: it is shown once.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { verifyWebhook, WebhookVerificationError } from 'breakwater/sdk';

const secret = process.env.BREAKWATER_WEBHOOK_SECRET;
if (!secret?.startsWith('whsec_')) {
  console.error('webhook-receiver: set BREAKWATER_WEBHOOK_SECRET to the endpoint\'s whsec_… secret');
  process.exit(1);
}
const port = Number(process.env.PORT ?? 8787);
// Deliveries are at-least-once: a retry or a replay carries the same webhook-id.
const seen = new Set<string>();
const MAX_BODY = 1024 * 1024;

/** The raw bytes: the signature covers them exactly, so never verify re-serialized JSON. */
async function rawBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const server = createServer(async (req, res) => {
  if (req.method !== 'POST') return res.writeHead(405, { allow: 'POST' }).end();
  const body = await rawBody(req);
  if (!body) return res.writeHead(413).end();
  let event;
  try {
    event = await verifyWebhook(secret, req.headers, body);
  } catch (err) {
    if (!(err instanceof WebhookVerificationError)) throw err;
    console.log(`rejected a delivery: ${err.reason}`);
    return res.writeHead(400).end();
  }
  const id = String(req.headers['webhook-id']);
  // Answer 2xx fast (within 15 s) and do slow work after: a slow answer counts as a failure.
  res.writeHead(204).end();
  if (seen.has(id)) return;
  seen.add(id);
  const message = event.data.message as { id?: string; from?: string; subject?: string } | undefined;
  console.log(`verified ${event.type} ${event.id}${message ? ` ${message.id} from ${message.from}: ${JSON.stringify(message.subject)}` : ''}`);
});

server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => process.exit(0)));
