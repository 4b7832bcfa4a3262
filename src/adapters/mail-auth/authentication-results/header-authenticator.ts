import type { AuthResult, AuthVerdicts } from '../../../core/model.ts';
import { toAuthResult, uniformVerdicts, type MailAuthenticator, type MailAuthInput } from '../../../core/inbound/verdicts.ts';

export interface HeaderAuthenticatorOptions {
  /** The authserv-id of the MX that checked the mail (RFC 8601 §2.5), e.g. `mx.cloudflare.net`. */
  authservId: string;
}

/**
 * Verdicts another MX already reached, read from its Authentication-Results header (RFC 8601):
 * on Workers the MX is Email Routing, and the Worker has neither the SMTP client's address nor
 * a DNS socket to check SPF itself. Only the topmost Authentication-Results counts, and only
 * when it names `authservId`: a receiving MTA prepends its header above everything the sender
 * wrote, so a forged one lies below it (§5 asks the MTA to drop forgeries of its own id; this
 * does not rely on that). No such header: `temperror` for every method, so the mail arrives
 * untrusted rather than refused.
 */
export class HeaderAuthenticator implements MailAuthenticator {
  constructor(private readonly o: HeaderAuthenticatorOptions) {}

  async verify(input: MailAuthInput): Promise<AuthVerdicts> {
    const header = topmostHeader(input.raw, 'authentication-results');
    const parsed = header ? parseAuthenticationResults(header) : null;
    if (!parsed || parsed.authservId.toLowerCase() !== this.o.authservId.toLowerCase()) return uniformVerdicts('temperror');
    const pick = (method: string): AuthResult => {
      const results = parsed.results.filter((r) => r.method === method).map((r) => r.result);
      if (results.length === 0) return 'none';
      // Several DKIM signatures: one that passes is enough (RFC 6376 §6.1).
      return results.includes('pass') ? 'pass' : results[0]!;
    };
    return { spf: pick('spf'), dkim: pick('dkim'), dmarc: pick('dmarc'), arc: pick('arc'), fromDomain: parsed.headerFrom };
  }
}

/** The first header `name` of the message, unfolded; null when the header block has none. */
export function topmostHeader(raw: Uint8Array, name: string): string | null {
  // Headers end at the first empty line; 64 KiB is more than any real header block.
  const text = new TextDecoder('latin1').decode(raw.subarray(0, 65_536));
  const end = text.search(/\r?\n\r?\n/);
  const lines = (end >= 0 ? text.slice(0, end) : text).split(/\r?\n/);
  const prefix = `${name.toLowerCase()}:`;
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.toLowerCase().startsWith(prefix)) continue;
    let value = lines[i]!.slice(prefix.length);
    // RFC 5322 §2.2.3: a line starting with white space continues the header.
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1]!)) value += ` ${lines[++i]!.trim()}`;
    return value.trim();
  }
  return null;
}

export interface ParsedAuthResults {
  authservId: string;
  results: Array<{ method: string; result: AuthResult }>;
  /** `header.from` of the DMARC result, when given. */
  headerFrom: string | null;
}

/** RFC 8601 §2.2: `authserv-id [version]; method=result [reason] [ptype.property=value …]; …`. */
export function parseAuthenticationResults(value: string): ParsedAuthResults | null {
  const clean = stripComments(value);
  const [head, ...resinfos] = clean.split(';');
  const authservId = (head ?? '').trim().split(/\s+/)[0] ?? '';
  if (!authservId) return null;
  const results: ParsedAuthResults['results'] = [];
  let headerFrom: string | null = null;
  for (const info of resinfos) {
    const m = /^\s*([a-z0-9-]+)\s*=\s*([a-z]+)/i.exec(info);
    if (!m) continue;
    const method = m[1]!.toLowerCase();
    const raw = m[2]!.toLowerCase();
    // RFC 7208 §2.6: SPF `hardfail` is the older name of `fail`.
    results.push({ method, result: toAuthResult(raw === 'hardfail' ? 'fail' : raw) });
    const from = /\bheader\.from\s*=\s*([^\s;]+)/i.exec(info);
    if (method === 'dmarc' && from) headerFrom = from[1]!.toLowerCase();
  }
  return { authservId, results, headerFrom };
}

/** Removes RFC 5322 comments `( … )`, nested, outside quoted strings. */
function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') {
      if (depth === 0) out += c + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"' && depth === 0) quoted = !quoted;
    if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')' && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}
