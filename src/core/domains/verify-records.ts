/**
 * Checks a domain's records through the Resolver port, one verdict per record. A record is
 * verified when DNS holds what Breakwater needs, not necessarily the exact text it suggested:
 * an SPF record with more mechanisms, or a stricter DMARC policy, passes too.
 */
import type { Resolver } from '../ports.ts';
import type { DomainRecordCheck, DomainStatus } from './domain.ts';

const norm = (name: string) => name.trim().toLowerCase().replace(/\.$/, '');
const squeeze = (s: string) => s.replace(/\s+/g, '');

type Verdict = Pick<DomainRecordCheck, 'status' | 'found' | 'error'>;

async function txt(resolver: Resolver, name: string): Promise<string[]> {
  if (!resolver.resolveTxt) throw new Error('this resolver cannot look up TXT records');
  // RFC 7208 §3.3 and RFC 6376 §3.6.2.2: a record's strings are joined without separators.
  return (await resolver.resolveTxt(name)).map((parts) => parts.join(''));
}

async function checkMx(resolver: Resolver, r: DomainRecordCheck): Promise<Verdict> {
  if (!resolver.resolveMx) throw new Error('this resolver cannot look up MX records');
  const found = (await resolver.resolveMx(r.name)).map((m) => norm(m.exchange));
  if (found.includes(norm(r.value))) return { status: 'verified', found };
  return { status: 'failed', found, error: found.length ? `MX points to ${found.join(', ')}, not ${r.value}` : 'no MX record' };
}

function mechanisms(spf: string): string[] {
  return spf.trim().split(/\s+/).slice(1).map((m) => m.toLowerCase()).filter((m) => !/^[~?+-]?all$/.test(m));
}

async function checkSpf(resolver: Resolver, r: DomainRecordCheck): Promise<Verdict> {
  const found = (await txt(resolver, r.name)).filter((v) => /^v=spf1(\s|$)/i.test(v.trim()));
  // RFC 7208 §4.5: two SPF records make every check a permerror.
  if (found.length > 1) return { status: 'failed', found, error: 'more than one SPF record; merge them into one' };
  if (found.length === 0) return { status: 'failed', found, error: 'no SPF record' };
  const have = new Set(mechanisms(found[0]!));
  const missing = mechanisms(r.value).filter((m) => !have.has(m));
  if (missing.length === 0) return { status: 'verified', found };
  return { status: 'failed', found, error: `the SPF record lacks ${missing.join(' ')}` };
}

async function checkDkim(resolver: Resolver, r: DomainRecordCheck): Promise<Verdict> {
  const found = await txt(resolver, r.name);
  const key = /p=([^;]*)/.exec(squeeze(r.value))?.[1] ?? '';
  if (found.some((v) => squeeze(v).split(';').includes(`p=${key}`))) return { status: 'verified', found };
  return { status: 'failed', found, error: found.length ? 'the DKIM record holds another key' : 'no DKIM record' };
}

async function checkDmarc(resolver: Resolver, r: DomainRecordCheck): Promise<Verdict> {
  const found = (await txt(resolver, r.name)).filter((v) => /^v=DMARC1\s*(;|$)/i.test(v.trim()));
  if (found.length === 1) return { status: 'verified', found };
  return { status: 'failed', found, error: found.length ? 'more than one DMARC record' : 'no DMARC record' };
}

/** Checks one record; a resolver fault leaves it pending (try again), never failed. */
export async function checkRecord(resolver: Resolver, r: DomainRecordCheck): Promise<DomainRecordCheck> {
  const base: DomainRecordCheck = { type: r.type, name: r.name, value: r.value, purpose: r.purpose, ...(r.priority !== undefined ? { priority: r.priority } : {}), status: 'pending' };
  try {
    let v: Verdict;
    if (r.purpose === 'mx') v = await checkMx(resolver, r);
    else if (r.purpose === 'spf') v = await checkSpf(resolver, r);
    else if (r.purpose === 'dkim') v = await checkDkim(resolver, r);
    else if (r.purpose === 'dmarc') v = await checkDmarc(resolver, r);
    // The port has no CNAME lookup: the return path's record is advice, not a requirement.
    else return { ...base, error: 'not checked: publish it for bounces through the relay' };
    return { ...base, ...v };
  } catch (err) {
    return { ...base, error: `lookup failed, try again: ${(err as Error).message}` };
  }
}

/** The domain's status from its records' verdicts: all required verified, any failed, else pending. */
export function domainStatus(records: DomainRecordCheck[]): DomainStatus {
  const required = records.filter((r) => r.purpose !== 'return_path');
  if (required.every((r) => r.status === 'verified')) return 'verified';
  if (required.some((r) => r.status === 'failed')) return 'failed';
  return 'pending';
}
