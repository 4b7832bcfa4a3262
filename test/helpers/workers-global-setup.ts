// Runs in Node before the workerd suites: a real SMTP server (smtp-server) for the Worker's
// SMTP client over cloudflare:sockets to talk to, and an HTTP view of what it received.
import { createServer, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';
import type { TestProject } from 'vitest/node';

import './workers-provided.ts';

interface Received { from: string; to: string[]; raw: string }

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const received: Received[] = [];
  const smtp = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false, disableReverseLookup: true,
    onRcptTo(address, _session, cb) {
      // One refused recipient, so per-recipient outcomes cross the wire too.
      if (address.address.startsWith('refused@')) return cb(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  const view: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(received));
  });
  await new Promise<void>((r) => view.listen(0, '127.0.0.1', () => r()));
  project.provide('smtpSinkPort', (smtp.server.address() as { port: number }).port);
  project.provide('smtpSinkInboxUrl', `http://127.0.0.1:${(view.address() as { port: number }).port}/`);
  return async () => {
    await new Promise<void>((r) => smtp.close(() => r()));
    await new Promise<void>((r) => view.close(() => r()));
  };
}
