import type { Breakwater, Message } from '../sdk/index.ts';

/** What `wait_for_email` waits for, and how long. */
export interface WaitForEmailParams {
  inboxId: string;
  /** The last message id handled; omitted: the newest message of the inbox now. */
  after?: string;
  timeoutSeconds: number;
  limit: number;
  signal?: AbortSignal;
  now?: () => number;
}

/** The API holds one long-poll for at most this long (DESIGN §4 `wait`). */
const MAX_POLL_SECONDS = 30;

/**
 * New inbound mail of an inbox, oldest first, waiting up to `timeoutSeconds` for some: long-polls
 * of at most 30 s each until one answers with mail or the time is up. `nextAfter` is where the
 * next wait continues, so no message is missed or shown twice between calls.
 */
export async function waitForEmail(client: Breakwater, p: WaitForEmailParams): Promise<{ messages: Message[]; nextAfter: string | null }> {
  const now = p.now ?? Date.now;
  // Mail from now on: anchor at the newest message of either direction, so the agent's own
  // sent mail is not mistaken for a starting point that lets old mail through.
  const anchor = p.after ?? (await client.messages.list(p.inboxId, { limit: 1 }, { signal: p.signal }).page()).data[0]?.id ?? null;
  const deadline = now() + p.timeoutSeconds * 1000;
  for (;;) {
    const remaining = Math.max(0, Math.ceil((deadline - now()) / 1000));
    const wait = Math.min(MAX_POLL_SECONDS, remaining);
    const found = await client.messages.wait(p.inboxId, { after: anchor ?? undefined, wait, direction: 'inbound', limit: p.limit }, { signal: p.signal });
    if (found.length > 0) {
      // Without an anchor (an empty inbox) the API lists newest first; the agent reads oldest first.
      const messages = anchor === null ? [...found].reverse() : found;
      return { messages, nextAfter: messages[messages.length - 1]!.id };
    }
    if (remaining <= wait || now() >= deadline) return { messages: [], nextAfter: anchor };
  }
}
