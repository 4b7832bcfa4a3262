import type { Reputation } from '../../../sdk/index.ts';
import { need, parse } from './args.ts';
import { clientFor } from './client.ts';
import { CliError, json, out } from './io.ts';

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

function show(r: Reputation): string {
  return [
    `${r.inbox_id}: ${r.state} since ${r.since}`,
    `  sent ${r.sent}, delivered ${r.delivered}, bounced ${r.bounced} (${pct(r.bounce_rate)}), complained ${r.complained} (${pct(r.complaint_rate)}) over ${r.window_days} days`,
    `  outbound limit: ${r.outbound_limit.rule}`,
  ].join('\n');
}

/** `breakwater reputation show|resume <inbox id>`. */
export async function reputationCommand(args: string[]): Promise<void> {
  const sub = args.shift();
  if (sub !== 'show' && sub !== 'resume') throw new CliError(`unknown reputation command "${sub ?? ''}": try reputation show <inbox id> or reputation resume <inbox id>`);
  const { values, positionals } = parse(args, {}, 1);
  const inboxId = need(positionals, 0, 'an inbox id', `breakwater reputation ${sub} <inbox id>`);
  // Resuming is the operator's call unless the server lets orgs resume their own inboxes.
  const r = sub === 'show' ? await clientFor(values).reputation.get(inboxId) : await clientFor(values, 'allowed').reputation.resume(inboxId);
  return values.json ? json(r) : out(show(r));
}
