import { systemClock } from '../../core/ports.ts';
import { ConfigError, loadConfig } from './config.ts';

// Server modules load only for the commands that need them: client commands start in a blink.
const server = {
  start: () => import('./start.ts'),
  services: () => import('./services.ts'),
  edge: () => import('./edge.ts'),
  orgs: () => import('../../core/orgs/org-service.ts'),
  notifier: () => import('../../adapters/notifier/memory/memory-notifier.ts'),
  bounces: () => import('./bounces-cli.ts'),
};
import { createLogger } from './logger.ts';
import { CLIENT_USAGE, isClientCommand, runClientCommand } from './cli/index.ts';

const USAGE = `usage: breakwater <command>

  start                   run the HTTP API, the SMTP server and the delivery worker
  migrate                 create or upgrade the database, then exit
  org create <name>       create an org and print its first API key  [--plan free|pro|unlimited] [--json]
  bounces classify FILE…  print one JSON line per bounced recipient in each file (a DSN, a bounce, a report)
  help                    this text

Configuration comes from BREAKWATER_* environment variables (see README).`;

/** A failure the user caused: one readable line on stderr and exit code 1, never a stack. */
class UsageError extends Error {}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i === -1) return undefined;
  const v = args[i + 1];
  if (!v || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
  args.splice(i, 2);
  return v;
}

function boolFlag(args: string[], name: string): boolean {
  const i = args.indexOf(`--${name}`);
  if (i === -1) return false;
  args.splice(i, 1);
  return true;
}

async function orgCreate(args: string[]): Promise<void> {
  const json = boolFlag(args, 'json');
  const plan = flag(args, 'plan') ?? 'free';
  if (!['free', 'pro', 'unlimited'].includes(plan)) throw new UsageError(`--plan must be free, pro or unlimited, not ${plan}`);
  const name = args.join(' ').trim();
  if (!name) throw new UsageError('org create needs a name: breakwater org create <name>');
  if (name.length > 200 || /[\r\n\0]/.test(name)) throw new UsageError('the org name must be one line of at most 200 characters');
  const config = loadConfig();
  const { openStore } = await server.services();
  const { createOrg } = await server.orgs();
  const { MemoryNotifier } = await server.notifier();
  const { createMemoryEdge } = await server.edge();
  const store = await openStore(config);
  try {
    const logger = createLogger('silent');
    const { org, apiKey } = await createOrg({
      store, queue: store, transport: null, notifier: new MemoryNotifier(), clock: systemClock, logger,
      edge: await createMemoryEdge({ clock: systemClock }),
      settings: { defaultDomain: config.BREAKWATER_DOMAIN, publicUrl: '', maxRecipients: 50, idempotencyTtlMs: 86_400_000 },
    }, { name, plan: plan as 'free' });
    if (json) process.stdout.write(JSON.stringify({ org: { id: org.id, name: org.name, plan: org.plan }, api_key: apiKey }) + '\n');
    else process.stdout.write(`Created org ${org.id} (${org.name}, plan ${org.plan})\nAPI key (shown once): ${apiKey}\n`);
  } finally {
    await store.close();
  }
}

/** Entry point of `breakwater` and `npx breakwater`. */
export async function main(argv: string[]): Promise<void> {
  const args = [...argv];
  const command = args.shift();
  // Commands that talk to a running server (src/runtime/node/cli/) report their own errors.
  if (isClientCommand(command)) return await runClientCommand(command!, args);
  try {
    switch (command) {
      case 'start':
        return await (await server.start()).runStart();
      case 'migrate': {
        const store = await (await server.services()).openStore(loadConfig());
        await store.close();
        process.stdout.write('database is up to date\n');
        return;
      }
      case 'org': {
        const sub = args.shift();
        if (sub === 'create') return await orgCreate(args);
        throw new UsageError(`unknown org command ${sub ?? ''}: try "breakwater org create <name>"`);
      }
      case 'bounces': {
        const sub = args.shift();
        if (sub !== 'classify') throw new UsageError(`unknown bounces command ${sub ?? ''}: try "breakwater bounces classify FILE…"`);
        if (args.length === 0) throw new UsageError('bounces classify needs at least one file');
        const code = await (await server.bounces()).classifyBounceFiles(args, { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') });
        // exitCode, not exit(): lines still buffered for a pipe are written first.
        process.exitCode = code;
        return;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n\n${CLIENT_USAGE}\n`);
        return;
      default:
        throw new UsageError(`unknown command "${command}"; run "breakwater help"`);
    }
  } catch (err) {
    const msg = err instanceof UsageError || err instanceof ConfigError ? err.message : `error: ${(err as Error).message ?? String(err)}`;
    process.stderr.write(`breakwater: ${msg.split('\n')[0]}\n`);
    process.exit(1);
  }
}
