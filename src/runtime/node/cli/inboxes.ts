import type { Inbox } from '../../../sdk/index.ts';
import { parse, str } from './args.ts';
import { clientFor } from './client.ts';
import { CliError, json, out } from './io.ts';

const line = (i: Inbox) => `${i.id}  ${i.address}${i.display_name ? `  "${i.display_name}"` : ''}  ${i.reputation.state}`;

/** `breakwater inbox create|list`. */
export async function inboxCommand(args: string[]): Promise<void> {
  const sub = args.shift();
  if (sub === 'create') {
    const { values, positionals } = parse(args, { domain: { type: 'string' }, 'display-name': { type: 'string' } }, 1);
    const inbox = await clientFor(values).inboxes.create({ username: positionals[0], domain: str(values, 'domain'), display_name: str(values, 'display-name') });
    return values.json ? json(inbox) : out(`Created inbox ${inbox.id} <${inbox.address}>`);
  }
  if (sub === 'list') {
    const { values } = parse(args, {});
    // Walks every page: one line (or JSON line) per inbox as it arrives.
    for await (const i of clientFor(values).inboxes.list({ limit: 100 })) out(values.json ? JSON.stringify(i) : line(i));
    return;
  }
  throw new CliError(`unknown inbox command "${sub ?? ''}": try inbox create [username] or inbox list`);
}
