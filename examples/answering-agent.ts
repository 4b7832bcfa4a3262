/**
 * An agent that answers its mail, with the Breakwater SDK: long-poll for new mail, reply to
 * each message, repeat. Replace `answer()` with a call to your model.
 *
 *   BREAKWATER_API_KEY=bw_… [BREAKWATER_URL=http://127.0.0.1:3000] [INBOX_ID=inb_…] npx tsx examples/answering-agent.ts
 *
 * Without INBOX_ID it creates an inbox and prints its address: mail it and watch the answers.
 */
import { Breakwater, BreakwaterError, type Message } from 'breakwater/sdk';

const apiKey = process.env.BREAKWATER_API_KEY;
if (!apiKey) {
  console.error('answering-agent: set BREAKWATER_API_KEY (an org or inbox key, bw_…)');
  process.exit(1);
}
const bw = new Breakwater({ apiKey, baseUrl: process.env.BREAKWATER_URL ?? 'http://127.0.0.1:3000' });

/** The agent's brain. A model call goes here; the reply without quoted history is what to read. */
function answer(m: Message): string {
  const question = (m.extracted_text ?? m.text ?? '').trim().split('\n')[0] ?? '';
  return `Thanks for your message. You wrote: "${question.slice(0, 200)}"\n\n— the answering agent`;
}

const inbox = process.env.INBOX_ID ? await bw.inboxes.get(process.env.INBOX_ID) : await bw.inboxes.create({ display_name: 'Answering agent' });
console.log(`answering mail to ${inbox.address} (${inbox.id}); Ctrl-C to stop`);

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

// Start after the newest message now: old mail was someone else's business. A real agent keeps
// `after` in its own storage, so a restart continues where it stopped.
let after = (await bw.messages.list(inbox.id, { limit: 1 })).data[0]?.id;

while (!stop.signal.aborted) {
  let mail: Message[];
  try {
    // Held by the server up to 30 s, answered the moment mail arrives.
    mail = await bw.messages.wait(inbox.id, { after, wait: 30, direction: 'inbound' }, { signal: stop.signal });
  } catch (err) {
    if (stop.signal.aborted) break;
    throw err;
  }
  for (const m of mail) {
    after = m.id;
    // Agent safety: only an authenticated sender gets an answer; a spoofed From gets nothing.
    if (!m.trusted) {
      console.log(`skipped ${m.id} from ${m.from}: sender not authenticated (dmarc=${m.auth?.dmarc ?? 'none'})`);
      continue;
    }
    // A machine sent it (an out-of-office, a bounce): answering it is how two responders loop.
    if (m.auto_submitted) {
      console.log(`skipped ${m.id} from ${m.from}: sent automatically`);
      continue;
    }
    try {
      // One key per message answered: if this agent dies after sending and runs again, the same
      // reply is replayed by the server instead of sent twice.
      // Marked as an automatic answer (RFC 3834), so other responders leave it unanswered.
      const sent = await bw.messages.reply(m.id, { text: answer(m), headers: { 'Auto-Submitted': 'auto-replied' } }, { idempotencyKey: `answer-${m.id}` });
      console.log(`answered ${m.id} from ${m.from} with ${sent.id}`);
    } catch (err) {
      // A refusal says which rule fired and what to do; a runaway loop is refused, not sent.
      if (!(err instanceof BreakwaterError)) throw err;
      console.log(`could not answer ${m.id}: ${err.code}${err.rule ? ` (${err.rule})` : ''}${err.fix ? `: ${err.fix}` : ''}`);
    }
  }
}
console.log('stopped');
