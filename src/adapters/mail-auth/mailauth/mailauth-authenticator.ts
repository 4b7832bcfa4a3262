import { authenticate, type AuthenticateResult } from 'mailauth';
import type { MailAuthenticator, MailAuthInput } from '../../../core/inbound/verdicts.ts';
import { toAuthResult, uniformVerdicts } from '../../../core/inbound/verdicts.ts';
import type { AuthResult, AuthVerdicts } from '../../../core/model.ts';
import type { Logger } from '../../../core/ports.ts';
import type { Resolver } from '../../../core/webhooks/resolver.ts';
import { mailauthResolver, type DnsBridgeOptions } from './dns-bridge.ts';

export interface MailauthAuthenticatorOptions {
  /** DNS for SPF, DKIM keys, DMARC and ARC: the runtime's Resolver (a StaticResolver in tests). */
  resolver: Resolver;
  /** Our MX host name, written in mailauth's Authentication-Results (we do not store them). */
  mta: string;
  logger?: Logger;
  dns?: DnsBridgeOptions;
}

/**
 * The MailAuthenticator port on `mailauth` (postalsys/mailauth), which is Node-only (node:dns,
 * streams), hence an adapter. BIMI is off: it fetches logos over HTTPS, which an MX must not do
 * per message.
 *
 * Known mailauth bug (4.13): its relaxed canonicalization reads the raw bytes as Latin-1 and
 * collapses JavaScript whitespace, which includes bytes 0x85 and 0xA0. A correctly signed
 * message whose raw header holds UTF-8 with those bytes (e.g. "à" is C3 A0) therefore fails
 * DKIM here although other verifiers pass it. We do not patch mailauth; such mail reads as
 * dkim=fail, and DMARC can still pass on aligned SPF. The test pins the behaviour.
 */
export class MailauthAuthenticator implements MailAuthenticator {
  private readonly resolve;

  constructor(private readonly o: MailauthAuthenticatorOptions) {
    this.resolve = mailauthResolver(o.resolver, o.dns);
  }

  async verify(input: MailAuthInput): Promise<AuthVerdicts> {
    try {
      const result = await authenticate(Buffer.from(input.raw.buffer, input.raw.byteOffset, input.raw.byteLength), {
        ip: input.ip,
        helo: input.helo ?? undefined,
        // The null reverse-path: SPF checks the HELO identity instead (RFC 7208 §2.4).
        sender: input.mailFrom ?? '',
        mta: this.o.mta,
        resolver: this.resolve as never,
        disableBimi: true,
      });
      return toVerdicts(result);
    } catch (err) {
      this.o.logger?.warn({ err, lane: 'inbound' }, 'mailauth failed on a message');
      return uniformVerdicts('temperror');
    }
  }
}

/** mailauth's results as our verdicts. */
export function toVerdicts(r: AuthenticateResult): AuthVerdicts {
  const fromDomain = r.dmarc ? r.dmarc.domain : domainOfFirst(r.dkim.headerFrom);
  return {
    spf: r.spf ? toAuthResult(r.spf.status.result) : 'none',
    dkim: dkimVerdict(r.dkim.results.map((s) => toAuthResult(s.status.result))),
    dmarc: r.dmarc ? toAuthResult(r.dmarc.status.result) : 'none',
    arc: r.arc ? toAuthResult(r.arc.status.result) : 'none',
    fromDomain: fromDomain ? fromDomain.toLowerCase() : null,
  };
}

/** One verdict for all signatures: any pass is a pass (RFC 6376 §6.1: each is judged alone). */
function dkimVerdict(results: AuthResult[]): AuthResult {
  if (results.length === 0) return 'none';
  for (const r of ['pass', 'fail', 'temperror', 'permerror', 'policy', 'neutral'] as const) if (results.includes(r)) return r;
  return results[0]!;
}

function domainOfFirst(addresses: string[] | undefined): string | null {
  const a = addresses?.[0];
  return a && a.includes('@') ? a.slice(a.lastIndexOf('@') + 1) : null;
}
