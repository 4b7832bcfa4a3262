import type { ApiKey } from '../../../sdk/index.ts';
import { list, need, parse, str } from './args.ts';
import { clientFor } from './client.ts';
import { CliError, json, out } from './io.ts';

const line = (k: ApiKey) => `${k.id}  ${k.scopes.join(',')}${k.inbox_ids.length ? ` (${k.inbox_ids.join(', ')})` : ''}  ${k.name}  ${k.prefix}…${k.revoked_at ? `  revoked ${k.revoked_at}` : ''}`;

/** `breakwater key create|revoke|list`. */
export async function keyCommand(args: string[]): Promise<void> {
  const sub = args.shift();
  if (sub === 'create') {
    const { values } = parse(args, { name: { type: 'string' }, scope: { type: 'string' }, inbox: { type: 'string', multiple: true } });
    const scope = str(values, 'scope') ?? (list(values, 'inbox').length ? 'inbox' : 'org');
    if (scope !== 'org' && scope !== 'inbox') throw new CliError(`--scope must be org or inbox, not ${scope}`);
    const inboxIds = list(values, 'inbox');
    if (scope === 'inbox' && inboxIds.length === 0) throw new CliError('an inbox-scoped key needs --inbox <inbox id> (repeatable)');
    const key = await clientFor(values).keys.create({ name: str(values, 'name'), scopes: [scope], inbox_ids: inboxIds });
    if (values.json) return json(key);
    return out(`Created key ${key.id} (${scope}${inboxIds.length ? `: ${inboxIds.join(', ')}` : ''})\nAPI key (shown once): ${key.api_key}`);
  }
  if (sub === 'revoke') {
    const { values, positionals } = parse(args, {}, 1);
    const key = await clientFor(values).keys.revoke(need(positionals, 0, 'a key id', 'breakwater key revoke <key id>'));
    return values.json ? json(key) : out(`Revoked ${key.id} at ${key.revoked_at}`);
  }
  if (sub === 'list') {
    const { values } = parse(args, {});
    for await (const k of clientFor(values).keys.list({ limit: 100 })) out(values.json ? JSON.stringify(k) : line(k));
    return;
  }
  throw new CliError(`unknown key command "${sub ?? ''}": try key create, key revoke <id> or key list`);
}
