import http from 'node:http';

export interface SteadyResult {
  byStatus: Record<number, number>;
  latenciesMs: number[];
  /** The first few answers that were not 202: status and the start of the body. */
  failures: string[];
}

/**
 * A well-behaved agent: `perSecond` sends on a fixed schedule (open loop: a slow answer does not
 * delay the next send), each with a fresh Idempotency-Key and body, for `durationMs`. Latency is
 * from writing the request to reading the whole answer.
 */
export async function steadySends(o: { url: string; key: string; inboxId: string; perSecond: number; durationMs: number; tag: string }): Promise<SteadyResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const target = new URL(o.url);
  const result: SteadyResult = { byStatus: {}, latenciesMs: [], failures: [] };
  const count = Math.round((o.durationMs / 1000) * o.perSecond);
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const at = started + (i * 1000) / o.perSecond;
    const wait = at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(new Promise<void>((resolve) => {
      const body = JSON.stringify({ to: ['partner@example.com'], subject: `steady ${o.tag} ${i}`, text: `a normal message ${i}` });
      const t0 = performance.now();
      const req = http.request({
        host: target.hostname, port: target.port, method: 'POST', path: `/v1/inboxes/${o.inboxId}/messages`, agent,
        headers: { authorization: `Bearer ${o.key}`, 'content-type': 'application/json', 'idempotency-key': `${o.tag}-${i}`, 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => { if (text.length < 300) text += d; });
        res.on('end', () => {
          if (res.statusCode !== 202 && result.failures.length < 5) result.failures.push(`${res.statusCode} ${text.slice(0, 200)}`);
          result.latenciesMs.push(performance.now() - t0);
          result.byStatus[res.statusCode ?? 0] = (result.byStatus[res.statusCode ?? 0] ?? 0) + 1;
          resolve();
        });
      });
      req.setTimeout(15_000, () => req.destroy(new Error('no answer in 15 s')));
      req.on('error', (err) => {
        result.byStatus[0] = (result.byStatus[0] ?? 0) + 1;
        if (result.failures.length < 5) result.failures.push(`error ${err.message}`);
        resolve();
      });
      req.end(body);
    }));
  }
  await Promise.all(pending);
  agent.destroy();
  return result;
}
