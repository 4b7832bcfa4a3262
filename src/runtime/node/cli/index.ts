/**
 * The client commands of `breakwater`: they talk to a running server over HTTP through the SDK,
 * as any agent would. cli.ts hands them every command it does not run itself.
 */
import { errorLine } from './io.ts';

type Command = (args: string[]) => Promise<void>;

// Loaded on use: `breakwater start` should not pay for the SDK and the MCP SDK.
const COMMANDS: Record<string, () => Promise<Command>> = {
  key: async () => (await import('./keys.ts')).keyCommand,
  inbox: async () => (await import('./inboxes.ts')).inboxCommand,
  send: async () => (await import('./send.ts')).sendCommand,
  tail: async () => (await import('./tail.ts')).tailCommand,
  quarantine: async () => (await import('./quarantine.ts')).quarantineCommand,
  reputation: async () => (await import('./reputation.ts')).reputationCommand,
  mcp: async () => (await import('./mcp.ts')).mcpCommand,
};

/** Usage lines of the client commands, for `breakwater help`. */
export const CLIENT_USAGE = `Client commands (a running server: BREAKWATER_URL, default http://127.0.0.1:3000; BREAKWATER_API_KEY or --key):
  key create [--name N] [--scope org|inbox] [--inbox ID]…   create an API key (shown once)
  key revoke <key id> | key list
  inbox create [username] [--domain D] [--display-name N] | inbox list
  send --from <inbox id|address> --to <address>… [--cc …] [--subject S] (--text T | --html H | --text-file F|-) [--wait]
  tail [--inbox ID] [--types message.received,…] [--since <event id>]   events live until Ctrl-C
  quarantine list | add <key|inbox|domain> <target> [--lane inbound|outbound|both] [--reason R] [--ttl S|--forever] | release <id>
  reputation show <inbox id> | reputation resume <inbox id>
  mcp                     the MCP server over stdio (BREAKWATER_URL, BREAKWATER_API_KEY)
  Every client command takes --json (machine-readable stdout) and --url; quarantine and
  reputation resume take --operator to use BREAKWATER_OPERATOR_TOKEN.`;

/** True when `command` is a client command. */
export function isClientCommand(command: string | undefined): boolean {
  return command !== undefined && Object.hasOwn(COMMANDS, command);
}

/** Runs a client command; any failure is one line on stderr and exit code 1, never a stack. */
export async function runClientCommand(command: string, args: string[]): Promise<void> {
  try {
    await (await COMMANDS[command]!())(args);
  } catch (err) {
    process.stderr.write(errorLine(err) + '\n');
    process.exitCode = 1;
  }
}
