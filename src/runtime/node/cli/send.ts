import { readFile } from 'node:fs/promises';
import type { Breakwater, Message } from '../../../sdk/index.ts';
import { int, list, parse, str } from './args.ts';
import { clientFor } from './client.ts';
import { CliError, json, out, progress } from './io.ts';

const USAGE = 'breakwater send --from <inbox id|address> --to <address> [--subject …] (--text … | --html … | --text-file <file|->)';
/** Statuses after which nothing more happens to an outbound message. */
const FINAL = new Set(['delivered', 'sandboxed', 'bounced', 'complained', 'suppressed', 'failed']);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `--from` as an id, or an address looked up among the key's inboxes. */
async function inboxIdOf(bw: Breakwater, from: string): Promise<string> {
  if (!from.includes('@')) return from;
  for await (const inbox of bw.inboxes.list({ limit: 100 })) if (inbox.address.toLowerCase() === from.toLowerCase()) return inbox.id;
  throw new CliError(`no inbox with the address ${from} is visible to this key`);
}

/** Polls the message until its status is final, showing each change (delivery runs in the background). */
async function follow(bw: Breakwater, id: string, timeoutS: number, quiet: boolean): Promise<Message> {
  const deadline = Date.now() + timeoutS * 1000;
  let last = '';
  for (;;) {
    const m = await bw.messages.get(id);
    if (m.status !== last && !quiet && !FINAL.has(m.status)) progress(`${id}: ${m.status}${m.status_reason ? ` (${m.status_reason})` : ''}`);
    last = m.status;
    if (FINAL.has(m.status)) return m;
    if (Date.now() > deadline) throw new CliError(`${id} is still ${m.status} after ${timeoutS} s; check again with the API`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `breakwater send`: one message; `--wait` follows it to delivered (or why not). */
export async function sendCommand(args: string[]): Promise<void> {
  const { values } = parse(args, {
    from: { type: 'string' }, to: { type: 'string', multiple: true }, cc: { type: 'string', multiple: true }, bcc: { type: 'string', multiple: true },
    subject: { type: 'string' }, text: { type: 'string' }, html: { type: 'string' }, 'text-file': { type: 'string' },
    'idempotency-key': { type: 'string' }, wait: { type: 'boolean' }, 'wait-timeout': { type: 'string' },
  });
  const from = str(values, 'from');
  const to = list(values, 'to');
  if (!from) throw new CliError(`--from is required: ${USAGE}`);
  if (to.length === 0) throw new CliError(`--to is required: ${USAGE}`);
  const file = str(values, 'text-file');
  let text = str(values, 'text');
  if (file !== undefined) text = file === '-' ? await readStdin() : await readFile(file, 'utf8').catch(() => { throw new CliError(`cannot read ${file}`); });
  const html = str(values, 'html');
  if (text === undefined && html === undefined) throw new CliError(`a body is required: --text, --html or --text-file: ${USAGE}`);
  const waitTimeout = int(values, 'wait-timeout', 1, 3600) ?? 60;
  const bw = clientFor(values);
  const sent = await bw.messages.send(await inboxIdOf(bw, from), {
    to, cc: list(values, 'cc'), bcc: list(values, 'bcc'), subject: str(values, 'subject') ?? '', text, html,
  }, { idempotencyKey: str(values, 'idempotency-key') });
  if (!values.wait) return values.json ? json(sent) : out(`Queued ${sent.id} (thread ${sent.thread_id})`);
  if (!values.json) out(`Queued ${sent.id} (thread ${sent.thread_id})`);
  const final = await follow(bw, sent.id, waitTimeout, values.json === true);
  if (values.json) return json({ id: final.id, thread_id: final.thread_id, status: final.status, status_reason: final.status_reason });
  out(`${final.id}: ${final.status}${final.status_reason ? ` (${final.status_reason})` : ''}`);
  if (!['delivered', 'sandboxed'].includes(final.status)) process.exitCode = 1;
}
