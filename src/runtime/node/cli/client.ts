/**
 * The composition root of the client commands: the one place that reads their environment
 * (BREAKWATER_URL, BREAKWATER_API_KEY, BREAKWATER_OPERATOR_TOKEN) and builds the SDK client.
 */
import { Breakwater, type BreakwaterOptions } from '../../../sdk/index.ts';
import { str } from './args.ts';
import { CliError, progress } from './io.ts';

/** The single-node server's address (DESIGN §7 defaults). */
export const DEFAULT_URL = 'http://127.0.0.1:3000';

/** The server's URL: --url, BREAKWATER_URL, or the single-node default. */
export function serverUrl(values: Record<string, unknown>): string {
  const url = str(values, 'url') ?? process.env.BREAKWATER_URL ?? DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`BREAKWATER_URL: "${url}" is not a URL (e.g. ${DEFAULT_URL})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CliError(`BREAKWATER_URL: must be http:// or https://, not ${parsed.protocol}`);
  return url;
}

/**
 * The credential of a call: --key or BREAKWATER_API_KEY; with --operator (or, where the route
 * takes either, when no key is set) the operator token from BREAKWATER_OPERATOR_TOKEN.
 */
export function credential(values: Record<string, unknown>, operator: 'never' | 'allowed' | 'required'): string {
  const token = process.env.BREAKWATER_OPERATOR_TOKEN;
  if (operator === 'required' || (operator === 'allowed' && values.operator === true)) {
    if (!token) throw new CliError('BREAKWATER_OPERATOR_TOKEN is not set (the operator token printed at first start)');
    return token;
  }
  if (values.operator === true) throw new CliError('--operator does not apply to this command: it needs an org API key');
  const key = str(values, 'key') ?? process.env.BREAKWATER_API_KEY;
  if (key) {
    if (!key.startsWith('bw_')) throw new CliError('the API key must start with bw_ (set BREAKWATER_API_KEY or pass --key)');
    return key;
  }
  if (operator === 'allowed' && token) return token;
  throw new CliError('no API key: set BREAKWATER_API_KEY or pass --key bw_…');
}

/**
 * An SDK client that reports each retry on a terminal's stderr, so a slow command says why it
 * is slow; scripts (stderr not a TTY) see only the final line of a failure.
 */
export function clientFor(values: Record<string, unknown>, operator: 'never' | 'allowed' | 'required' = 'never', extra: Partial<BreakwaterOptions> = {}): Breakwater {
  return new Breakwater({
    apiKey: credential(values, operator),
    baseUrl: serverUrl(values),
    onRetry: (r) => progress(`breakwater: ${r.error.detail} (${r.error.code}); retrying in ${(r.delayMs / 1000).toFixed(1)} s (${r.retry}/${r.maxRetries})`),
    ...extra,
  });
}
