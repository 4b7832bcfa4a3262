import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';

/** The relay sink: counts each arriving message by its `X-Soak-Id` header (duplicates show as counts above 1). */
export async function startRelaySink() {
  const arrivals = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false, disableReverseLookup: true, closeTimeout: 500,
    onData(stream, _session, cb) {
      let head = '';
      stream.on('data', (d: Buffer) => { if (head.length < 8192) head += d.toString('latin1'); });
      stream.on('end', () => {
        const id = /^X-Soak-Id: *(\S+)/im.exec(head)?.[1] ?? '(none)';
        arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
        cb();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    arrivals,
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * The agents' webhook endpoint: verifies every signature with the Standard Webhooks reference
 * library, answers 204, and counts each `message.received` by the message's subject.
 */
export async function startWebhookReceiver() {
  const bySubject = new Map<string, number>();
  let verifier: Webhook | null = null;
  let badSignatures = 0;
  let total = 0;
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      total++;
      try {
        const payload = verifier!.verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>) as { data: { message?: { subject?: string } } };
        const subject = payload.data.message?.subject ?? '(none)';
        bySubject.set(subject, (bySubject.get(subject) ?? 0) + 1);
      } catch {
        badSignatures++;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    bySubject,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    setSecret: (secret: string) => { verifier = new Webhook(secret); },
    badSignatures: () => badSignatures,
    total: () => total,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
