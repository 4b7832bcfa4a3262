// Runs in Node before the workerd suites: the tests' relay sink (smtp-sink.ts) for the Worker's
// SMTP client over cloudflare:sockets to talk to, and an HTTP view of what it received.
import { createServer, type Server } from 'node:http';
import type { TestProject } from 'vitest/node';
import { SmtpSink } from './smtp-sink.ts';

import './workers-provided.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const sink = await SmtpSink.start();
  // One refused recipient, so per-recipient outcomes cross the wire too.
  sink.refuse('refused@remote.test', 550, '5.1.1 no such user');
  const view: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(sink.messages.map((m) => ({ from: m.from, to: m.to, raw: m.raw.toString('utf8') }))));
  });
  await new Promise<void>((r) => view.listen(0, '127.0.0.1', () => r()));
  project.provide('smtpSinkPort', sink.port);
  project.provide('smtpSinkInboxUrl', `http://127.0.0.1:${(view.address() as { port: number }).port}/`);
  return async () => {
    await sink.close();
    await new Promise<void>((r) => view.close(() => r()));
  };
}
