import type { QuarantineEntry } from '../../../sdk/index.ts';
import { int, need, parse, str } from './args.ts';
import { clientFor } from './client.ts';
import { CliError, json, out } from './io.ts';

const KINDS = ['key', 'inbox', 'domain'] as const;
const LANES = ['inbound', 'outbound', 'both'] as const;
const USAGE = 'breakwater quarantine add <key|inbox|domain> <target> [--lane both] [--reason …] [--ttl seconds | --forever]';

const line = (q: QuarantineEntry) => `${q.id}  ${q.kind} ${q.target}  lane ${q.lane}  ${q.source}  until ${q.expires_at ?? 'released'}  ${q.reason}`;

/**
 * `breakwater quarantine list|add|release`. An org key manages its own keys and inboxes; the
 * operator token (--operator, or when no key is set) manages everything, domains included.
 */
export async function quarantineCommand(args: string[]): Promise<void> {
  const sub = args.shift();
  if (sub === 'list') {
    const { values } = parse(args, {});
    const entries = await clientFor(values, 'allowed').quarantine.list();
    if (values.json) return entries.forEach((e) => json(e));
    return out(entries.length ? entries.map(line).join('\n') : 'Nothing is quarantined.');
  }
  if (sub === 'add') {
    const { values, positionals } = parse(args, { lane: { type: 'string' }, reason: { type: 'string' }, ttl: { type: 'string' }, forever: { type: 'boolean' } }, 2);
    const kind = need(positionals, 0, 'a kind (key, inbox or domain)', USAGE);
    const target = need(positionals, 1, 'a target', USAGE);
    if (!(KINDS as readonly string[]).includes(kind)) throw new CliError(`the kind must be key, inbox or domain, not ${kind}`);
    const lane = str(values, 'lane') ?? 'both';
    if (!(LANES as readonly string[]).includes(lane)) throw new CliError(`--lane must be inbound, outbound or both, not ${lane}`);
    const ttl = values.forever ? null : int(values, 'ttl', 1, 365 * 86_400);
    const entry = await clientFor(values, 'allowed').quarantine.add({
      kind: kind as QuarantineEntry['kind'], target, lane: lane as QuarantineEntry['lane'], reason: str(values, 'reason') ?? 'quarantined from the CLI', ttl_seconds: ttl,
    });
    return values.json ? json(entry) : out(`Quarantined ${entry.kind} ${entry.target} (${entry.lane}) as ${entry.id}, until ${entry.expires_at ?? 'released'}`);
  }
  if (sub === 'release') {
    const { values, positionals } = parse(args, {}, 1);
    const entry = await clientFor(values, 'allowed').quarantine.release(need(positionals, 0, 'an entry id', 'breakwater quarantine release <id>'));
    return values.json ? json(entry) : out(`Released ${entry.kind} ${entry.target} (${entry.id})`);
  }
  throw new CliError(`unknown quarantine command "${sub ?? ''}": try quarantine list, quarantine add or quarantine release <id>`);
}
