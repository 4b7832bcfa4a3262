import http from 'node:http';

export interface LoadResult {
  count: number;
  byStatus: Record<number, number>;
  latenciesMs: number[];
  seconds: number;
}

/**
 * Closed-loop HTTP load from this process: `connections` keep-alive sockets, each sending its
 * next request when the previous answer is read, until `seconds` pass or `maxRequests` are sent.
 */
export async function closedLoop(o: {
  url: string; connections: number; seconds: number; maxRequests?: number;
  request: (i: number) => { method: string; path: string; headers: Record<string, string>; body?: string };
  onResponse?: (i: number, status: number, body: string, startedAt: number) => void;
}): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const target = new URL(o.url);
  const deadline = Date.now() + o.seconds * 1000;
  const max = o.maxRequests ?? Number.MAX_SAFE_INTEGER;
  const byStatus: Record<number, number> = {};
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const one = (i: number) => new Promise<void>((resolve) => {
    const r = o.request(i);
    const t0 = performance.now();
    const req = http.request({ host: target.hostname, port: target.port, method: r.method, path: r.path, headers: r.headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => {
        latenciesMs.push(performance.now() - t0);
        byStatus[res.statusCode ?? 0] = (byStatus[res.statusCode ?? 0] ?? 0) + 1;
        o.onResponse?.(i, res.statusCode ?? 0, body, t0);
        resolve();
      });
    });
    req.on('error', () => { byStatus[0] = (byStatus[0] ?? 0) + 1; resolve(); });
    req.end(r.body);
  });
  await Promise.all(Array.from({ length: o.connections }, async () => {
    while (Date.now() < deadline && next < max) await one(next++);
  }));
  agent.destroy();
  return { count: next, byStatus, latenciesMs, seconds: (performance.now() - started) / 1000 };
}
