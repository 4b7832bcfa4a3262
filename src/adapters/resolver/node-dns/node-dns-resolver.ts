import { lookup, Resolver as DnsResolver } from 'node:dns/promises';
import type { MxRecord, Resolver } from '../../../core/webhooks/resolver.ts';

export interface NodeDnsResolverOptions {
  /** Per-lookup deadline in milliseconds (default 5000). */
  timeoutMs?: number;
  /** DNS servers for TXT and MX queries (default: the system's). resolveHost always uses getaddrinfo. */
  servers?: string[];
}

/**
 * The Resolver port on Node's `dns` module. resolveHost uses getaddrinfo (`lookup`), the same
 * path `net.connect` takes, so the SSRF check sees what the connection would reach, hosts file
 * included; TXT and MX query DNS directly.
 */
export class NodeDnsResolver implements Resolver {
  private readonly timeoutMs: number;
  private readonly dns: DnsResolver;

  constructor(options: NodeDnsResolverOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    // c-ares retries on its own; its timeout is per try, so split the deadline over two tries.
    this.dns = new DnsResolver({ timeout: Math.ceil(this.timeoutMs / 2), tries: 2 });
    if (options.servers) this.dns.setServers(options.servers);
  }

  async resolveHost(host: string): Promise<string[]> {
    // getaddrinfo runs on the libuv thread pool and cannot be cancelled: stop waiting instead.
    const found = await orEmpty(withDeadline(lookup(host, { all: true, verbatim: true }), this.timeoutMs, host));
    return [...new Set(found.map((entry) => entry.address))];
  }

  resolveTxt(name: string): Promise<string[][]> {
    return orEmpty(this.dns.resolveTxt(name));
  }

  resolveMx(name: string): Promise<MxRecord[]> {
    return orEmpty(this.dns.resolveMx(name));
  }
}

/** "No such name" and "no such record" are answers, not faults (see the port). */
const NO_ANSWER = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME']);

async function orEmpty<T>(pending: Promise<T[]>): Promise<T[]> {
  try {
    return await pending;
  } catch (error) {
    if (NO_ANSWER.has((error as { code?: string }).code ?? '')) return [];
    throw error;
  }
}

function withDeadline<T>(pending: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`lookup of ${name} timed out after ${ms} ms`), { code: 'ETIMEOUT' })), ms);
  });
  return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
}
