import { HttpClient, type BreakwaterOptions } from './http.ts';
import { Domains } from './resources/domains.ts';
import { Events } from './resources/events.ts';
import { Inboxes } from './resources/inboxes.ts';
import { Keys } from './resources/keys.ts';
import { Messages } from './resources/messages.ts';
import { Orgs } from './resources/orgs.ts';
import { Quarantine } from './resources/quarantine.ts';
import { Reputation } from './resources/reputation.ts';
import { Suppressions } from './resources/suppressions.ts';
import { Threads } from './resources/threads.ts';
import { Webhooks } from './resources/webhooks.ts';

/**
 * The Breakwater API client. Every call retries politely on its own (exponential back-off with
 * full jitter, Retry-After and RateLimit honoured, sends keyed so a retry never sends twice) and
 * throws a BreakwaterError carrying the problem when it finally cannot succeed.
 *
 * ```ts
 * const bw = new Breakwater({ apiKey: process.env.BREAKWATER_API_KEY!, baseUrl: 'http://127.0.0.1:3000' });
 * const inbox = await bw.inboxes.create({ username: 'agent-7' });
 * await bw.messages.send(inbox.id, { to: ['someone@example.com'], subject: 'Hi', text: 'Hello' });
 * for await (const m of bw.messages.list(inbox.id)) console.log(m.subject);
 * ```
 */
export class Breakwater {
  readonly inboxes: Inboxes;
  readonly messages: Messages;
  readonly threads: Threads;
  readonly webhooks: Webhooks;
  readonly events: Events;
  readonly suppressions: Suppressions;
  readonly domains: Domains;
  readonly keys: Keys;
  readonly quarantine: Quarantine;
  readonly reputation: Reputation;
  /** Operator only. */
  readonly orgs: Orgs;
  /** The transport, for calls the resources do not cover yet. */
  readonly http: HttpClient;

  constructor(options: BreakwaterOptions) {
    const http = new HttpClient(options);
    this.http = http;
    this.inboxes = new Inboxes(http);
    this.messages = new Messages(http);
    this.threads = new Threads(http);
    this.webhooks = new Webhooks(http);
    this.events = new Events(http);
    this.suppressions = new Suppressions(http);
    this.domains = new Domains(http);
    this.keys = new Keys(http);
    this.quarantine = new Quarantine(http);
    this.reputation = new Reputation(http);
    this.orgs = new Orgs(http);
  }
}
