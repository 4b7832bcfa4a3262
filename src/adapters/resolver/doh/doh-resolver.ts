import type { MxRecord, Resolver } from '../../../core/webhooks/resolver.ts';

export interface DohResolverOptions {
  /** A DNS-over-HTTPS endpoint answering the JSON form (`application/dns-json`), e.g. https://cloudflare-dns.com/dns-query. */
  url: string;
  /** Per-query deadline in milliseconds (default 5000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** RR types (RFC 1035 §3.2.2, RFC 3596). */
const TYPE = { A: 1, CNAME: 5, MX: 15, TXT: 16, AAAA: 28 } as const;

interface DohAnswer {
  Status: number;
  Answer?: Array<{ name: string; type: number; data: string }>;
}

/**
 * The Resolver port over DNS-over-HTTPS, for runtimes without a DNS socket (Workers). NXDOMAIN
 * and an empty answer are `[]`; SERVFAIL, REFUSED, HTTP errors and timeouts reject, as the port
 * asks. An IP literal resolves to itself, as getaddrinfo does.
 */
export class DohResolver implements Resolver {
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly o: DohResolverOptions) {
    this.timeoutMs = o.timeoutMs ?? 5000;
    this.fetch = o.fetch ?? ((input, init) => fetch(input, init));
  }

  async resolveHost(host: string): Promise<string[]> {
    const bare = host.replace(/^\[|\]$/g, '');
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bare) || bare.includes(':')) return [bare];
    const [v4, v6] = await Promise.all([this.query(bare, TYPE.A), this.query(bare, TYPE.AAAA)]);
    return [...new Set([...v4, ...v6])];
  }

  async resolveTxt(name: string): Promise<string[][]> {
    return (await this.query(name, TYPE.TXT)).map(txtStrings);
  }

  async resolveMx(name: string): Promise<MxRecord[]> {
    return (await this.query(name, TYPE.MX)).flatMap((data) => {
      const m = /^(\d+)\s+(\S+)$/.exec(data.trim());
      return m ? [{ priority: Number(m[1]), exchange: m[2]!.replace(/\.$/, '') }] : [];
    });
  }

  /** The data of every answer of `type` (a CNAME chain's own records are skipped). */
  private async query(name: string, type: number): Promise<string[]> {
    const url = new URL(this.o.url);
    url.searchParams.set('name', name);
    url.searchParams.set('type', String(type));
    const res = await this.fetch(url.href, { headers: { accept: 'application/dns-json' }, signal: AbortSignal.timeout(this.timeoutMs) });
    if (!res.ok) throw new Error(`DNS-over-HTTPS answered HTTP ${res.status} for ${name}`);
    const body = (await res.json()) as DohAnswer;
    // RFC 1035 §4.1.1 RCODE: 0 NOERROR, 3 NXDOMAIN (an answer: no such name); anything else is a fault.
    if (body.Status === 3) return [];
    if (body.Status !== 0) throw new Error(`DNS lookup of ${name} failed with RCODE ${body.Status}`);
    return (body.Answer ?? []).filter((a) => a.type === type).map((a) => a.data);
  }
}

/** A TXT record's character-strings from the JSON form: `"v=spf1 …" "more"`, quotes and escapes undone. */
export function txtStrings(data: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(data))) out.push(m[1]!.replace(/\\(\d{3}|.)/g, (_, e: string) => (e.length === 3 ? String.fromCharCode(Number(e)) : e)));
  // Some servers send one unquoted string.
  return out.length > 0 ? out : [data];
}
