import type { BreakwaterEvent, EventType } from '../../../sdk/index.ts';
import { list, parse, str } from './args.ts';
import { clientFor } from './client.ts';
import { note, out } from './io.ts';

/** One readable line per event: time, type, and the ids and fields that say what happened. */
function line(e: BreakwaterEvent): string {
  const m = e.data.message as { id?: string; inbox_id?: string; from?: string; to?: string[]; subject?: string; status?: string } | undefined;
  if (m) {
    const who = e.type === 'message.received' ? `from ${m.from}` : `to ${(m.to ?? []).join(', ')}`;
    return `${e.created_at}  ${e.type.padEnd(20)} ${m.inbox_id ?? ''} ${m.id ?? ''}  ${who}  ${JSON.stringify(m.subject ?? '')}`;
  }
  return `${e.created_at}  ${e.type.padEnd(20)} ${JSON.stringify(e.data)}`;
}

/**
 * `breakwater tail`: the org's events live (the SSE stream), resuming across drops with
 * Last-Event-ID, until Ctrl-C. `--since <evt id>` replays what came after that event first.
 */
export async function tailCommand(args: string[]): Promise<void> {
  const { values } = parse(args, { inbox: { type: 'string' }, types: { type: 'string', multiple: true }, since: { type: 'string' } });
  const bw = clientFor(values);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const stream = bw.events.stream({
    inbox_id: str(values, 'inbox'), types: list(values, 'types') as EventType[], lastEventId: str(values, 'since'), signal: stop.signal,
    onState: (s) => {
      if (s.state === 'open') note(`breakwater: streaming events from ${bw.http.baseUrl} (Ctrl-C to stop)`);
      else note(`breakwater: stream lost (${(s.error as Error | undefined)?.message ?? 'closed by the server'}); reconnecting in ${(s.delayMs / 1000).toFixed(1)} s`);
    },
  });
  try {
    for await (const event of stream) out(values.json ? JSON.stringify(event) : line(event));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (stream.lastEventId) note(`breakwater: stopped; resume with --since ${stream.lastEventId}`);
}
