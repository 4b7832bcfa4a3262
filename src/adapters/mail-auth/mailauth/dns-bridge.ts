import type { Resolver } from '../../../core/webhooks/resolver.ts';

/** mailauth's resolver: `dns.promises.resolve(name, rrtype)` semantics (errors carry `code`). */
export type MailauthResolve = (name: string, rrtype: string) => Promise<unknown[]>;

export interface DnsBridgeOptions {
  /** How long an answer is reused, in ms (default 5 min): senders repeat, DNS TTLs are minutes. */
  ttlMs?: number;
  /** How long "no such record" is reused, in ms (default 1 min, RFC 2308 negative caching). */
  negativeTtlMs?: number;
  /** Answers kept (default 10,000). */
  maxEntries?: number;
  clock?: () => number;
}

type Settled = { at: number; ttl: number } & ({ ok: true; value: unknown[] } | { ok: false });

function noData(name: string, rrtype: string): Error {
  // mailauth reads ENODATA/ENOTFOUND as "no record" (SPF void lookups, DMARC none), anything
  // else as a DNS fault (temperror). The Resolver port answers [] for both "no name" and "no
  // record", so ENODATA stands for both.
  return Object.assign(new Error(`no ${rrtype} record for ${name}`), { code: 'ENODATA' });
}

/**
 * Adapts the Resolver port to mailauth's resolver function, with a small answer cache: one
 * sender's messages ask the same SPF, DKIM and DMARC names again and again. Faults are never
 * cached. A and AAAA come from resolveHost (both families in one lookup), filtered by family;
 * PTR and other types the port lacks answer "no record" (SPF `ptr` is deprecated, RFC 7208 §5.5).
 */
export function mailauthResolver(resolver: Resolver, o: DnsBridgeOptions = {}): MailauthResolve {
  const ttl = o.ttlMs ?? 300_000;
  const negativeTtl = o.negativeTtlMs ?? 60_000;
  const max = o.maxEntries ?? 10_000;
  const clock = o.clock ?? Date.now;
  const cache = new Map<string, Settled>();
  const inFlight = new Map<string, Promise<unknown[]>>();

  const lookup = async (name: string, rrtype: string): Promise<unknown[]> => {
    switch (rrtype) {
      case 'TXT': return resolver.resolveTxt ? resolver.resolveTxt(name) : [];
      case 'MX': return resolver.resolveMx ? resolver.resolveMx(name) : [];
      case 'A': return (await resolver.resolveHost(name)).filter((a) => !a.includes(':'));
      case 'AAAA': return (await resolver.resolveHost(name)).filter((a) => a.includes(':'));
      default: return [];
    }
  };

  return async (name, rrtype) => {
    const key = `${rrtype} ${name.toLowerCase().replace(/\.$/, '')}`;
    const hit = cache.get(key);
    if (hit && clock() - hit.at < hit.ttl) {
      if (!hit.ok) throw noData(name, rrtype);
      return hit.value;
    }
    let pending = inFlight.get(key);
    if (!pending) {
      pending = lookup(name, rrtype).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    let value: unknown[];
    try {
      value = await pending;
    } catch (err) {
      const e = err as { code?: string };
      // A fault without a code would read as "no record"; make it a server failure (temperror).
      throw e && typeof e === 'object' && e.code ? err : Object.assign(new Error(String((err as Error)?.message ?? err)), { code: 'ESERVFAIL' });
    }
    const entry: Settled = value.length > 0 ? { ok: true, value, at: clock(), ttl } : { ok: false, at: clock(), ttl: negativeTtl };
    cache.delete(key);
    cache.set(key, entry);
    if (cache.size > max) cache.delete(cache.keys().next().value!);
    if (!entry.ok) throw noData(name, rrtype);
    return value;
  };
}
