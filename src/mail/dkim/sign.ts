/**
 * DKIM signing (RFC 6376) with rsa-sha256 and ed25519-sha256 (RFC 8463), using
 * relaxed/relaxed canonicalization and Web Crypto only.
 */
import { binaryToBytes, concatBytes, toBase64 } from '../../core/bytes.ts';
import {
  normalizeCrlf, relaxedBody, relaxedHeader, selectFields, splitMessage, type HeaderField,
} from './canonicalize.ts';
import { signHeaderData } from './crypto.ts';
import { HeaderFolder } from './fold.ts';
import type { DkimAlgorithm } from './keys.ts';

/**
 * Header fields signed when present. RFC 6376 §5.4.1 lists these as the ones
 * whose change alters meaning; Reply-To decides where an agent's reply goes.
 */
export const DEFAULT_SIGNED_HEADERS: readonly string[] = [
  'From', 'Reply-To', 'To', 'Cc', 'Subject', 'Date', 'Message-ID', 'In-Reply-To', 'References',
  'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding',
];

/**
 * Header fields named once more than they occur (RFC 6376 §5.4.2, §8.15), so a
 * field added in transit breaks the signature. From is who sent it (DMARC
 * aligns on it); Reply-To, even when absent, is where replies go: adding one
 * would quietly redirect the answer.
 */
export const DEFAULT_OVERSIGNED_HEADERS: readonly string[] = ['From', 'Reply-To'];

/** Options for one DKIM signature. */
export interface DkimSignOptions {
  /** The signing domain, d= (an A-label: IDNs in punycode). */
  domain: string;
  /** The selector, s=: the key is at `<selector>._domainkey.<domain>`. */
  selector: string;
  /** PKCS #8 private key, base64, as made by `generateDkimKey`. */
  privateKeyPkcs8: string;
  algorithm: DkimAlgorithm;
  /** Fields to sign when present; default {@link DEFAULT_SIGNED_HEADERS}. */
  headers?: readonly string[];
  /** Fields to oversign; default {@link DEFAULT_OVERSIGNED_HEADERS}. */
  oversign?: readonly string[];
  /** Signing time for t=; default now. */
  now?: Date;
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const encoder = new TextEncoder();

/**
 * Returns `raw` (LF or CRLF line endings) normalized to CRLF with a
 * `DKIM-Signature:` field prepended (RFC 6376 §5.6). Throws on a message
 * without exactly one From field (RFC 5322 §3.6, RFC 6376 §5.4), on a bad
 * domain or selector, and on a key that does not import.
 */
export async function signDkim(raw: Uint8Array, opts: DkimSignOptions): Promise<Uint8Array> {
  return signDkimMany(raw, [opts]);
}

/**
 * Signs once per entry of `signers` (e.g. Ed25519 and RSA, RFC 8463 §1: receivers
 * that do not know Ed25519 still see the RSA one) and prepends the fields in
 * the order given. The body is canonicalized and hashed once.
 */
export async function signDkimMany(raw: Uint8Array, signers: readonly DkimSignOptions[]): Promise<Uint8Array> {
  let message = normalizeCrlf(raw);
  const { headers, body, hasSeparator } = splitMessage(message);
  // RFC 5322 §2.1 lets a message end after its fields, but some parsers then never
  // see the header end; an empty line changes no canonical form and removes the doubt.
  if (!hasSeparator) message = concatBytes([message, encoder.encode(endsWithCrlf(message) ? '\r\n' : '\r\n\r\n')]);
  const froms = headers.filter((h) => h.name === 'from').length;
  if (froms !== 1) throw new Error(`DKIM: the message has ${froms} From fields; exactly one is required`);
  const bodyHash = toBase64(new Uint8Array(await crypto.subtle.digest('SHA-256', relaxedBody(body))));
  const fields = await Promise.all(signers.map((s) => signatureField(headers, bodyHash, s)));
  return concatBytes([encoder.encode(fields.join('')), message]);
}

async function signatureField(headers: HeaderField[], bodyHash: string, opts: DkimSignOptions): Promise<string> {
  const domain = opts.domain.replace(/\.$/, '');
  if (!domain.split('.').every((l) => LABEL.test(l))) throw new Error(`DKIM: invalid signing domain "${opts.domain}"`);
  if (!opts.selector.split('.').every((l) => LABEL.test(l))) throw new Error(`DKIM: invalid selector "${opts.selector}"`);
  const names = signedNames(headers, opts.headers ?? DEFAULT_SIGNED_HEADERS, opts.oversign ?? DEFAULT_OVERSIGNED_HEADERS);
  const t = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const a = opts.algorithm === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256';

  const folder = new HeaderFolder().add('DKIM-Signature: v=1;');
  for (const tag of [`a=${a};`, 'c=relaxed/relaxed;', `d=${domain};`, `s=${opts.selector};`, `t=${t};`]) folder.add(tag, ' ');
  names.forEach((n, i) => folder.add(`${i === 0 ? 'h=' : ''}${n}${i === names.length - 1 ? ';' : ':'}`, i === 0 ? ' ' : ''));
  folder.add('bh=', ' ', 1).addBreakable(`${bodyHash};`);
  folder.add('b=', ' ', 1);

  // RFC 6376 §3.7: the signed data is the selected fields, in h= order, then this
  // field with an empty b= and no trailing CRLF.
  const data = selectFields(headers, names).map((f) => relaxedHeader(f.raw) + '\r\n').join('') + relaxedHeader(folder.toString());
  const signature = await signHeaderData(binaryToBytes(data), opts.algorithm, opts.privateKeyPkcs8);
  return folder.addBreakable(toBase64(signature)).toString() + '\r\n';
}

/**
 * h=: each listed field once per occurrence, then the oversigned names once more.
 * From is always listed: RFC 6376 §5.4 requires it to be signed.
 */
function signedNames(headers: HeaderField[], wanted: readonly string[], oversign: readonly string[]): string[] {
  const names: string[] = [];
  const list = wanted.map((w) => w.toLowerCase());
  if (!list.includes('from')) list.unshift('from');
  for (const name of new Set(list)) {
    for (const h of headers) if (h.name === name) names.push(name);
  }
  for (const name of new Set(oversign.map((w) => w.toLowerCase()))) names.push(name);
  return names;
}

function endsWithCrlf(message: Uint8Array): boolean {
  return message.length >= 2 && message[message.length - 2] === 0x0d && message[message.length - 1] === 0x0a;
}
