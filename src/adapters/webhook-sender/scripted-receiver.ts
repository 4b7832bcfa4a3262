// For the webhook senders' tests: an HTTP receiver on 127.0.0.1 whose answer the path picks
// (redirect, hang, oversized body, 410, else 204), recording every request it reads.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHit {
  path: string;
  host: string;
  body: string;
  signature: string | undefined;
}

export interface ScriptedReceiver {
  port: number;
  hits: ReceivedHit[];
  close(): Promise<void>;
}

export async function startScriptedReceiver(): Promise<ScriptedReceiver> {
  const hits: ReceivedHit[] = [];
  let port = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push({ path: req.url ?? '', host: req.headers.host ?? '', body, signature: req.headers['webhook-signature'] as string | undefined });
      if (req.url === '/redirect') res.writeHead(302, { location: `http://127.0.0.1:${port}/internal` }).end();
      else if (req.url === '/hang') return; // never answers
      else if (req.url === '/big') res.writeHead(200).end('x'.repeat(1024 * 1024));
      else if (req.url === '/gone') res.writeHead(410).end();
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  return {
    port, hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
