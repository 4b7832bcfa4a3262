/**
 * Reputation of each inbox: day counts over a rolling window, the state machine (machine.ts),
 * and the state the send path reads. The hot path reads a map of the inboxes that are not
 * healthy; outcomes (deliveries, bounces, complaints) update an inbox's entry in memory at
 * once, then write it with its day counts and any `inbox.reputation_changed` event in one
 * transaction. Single-process view: each process caches what it changed itself.
 */
import type { ReputationDay, ReputationRow, DeliverabilityStore } from '../deliverability.ts';
import { announceEvents } from '../events/announce.ts';
import type { Inbox, NewOrgEvent } from '../model.ts';
import type { Clock, Logger, Notifier } from '../ports.ts';
import {
  bounceRate, complaintRate, initialMachine, REPUTATION_DEFAULTS, step, ZERO_COUNTS,
  type MachineState, type Outcome, type ReputationCounts, type ReputationState, type ReputationThresholds,
} from './machine.ts';

const DAY = 86_400_000;
/** Inboxes whose counts stay cached; the least recently used is read again from the store. */
const MAX_CACHED = 10_000;

export interface ReputationServiceOptions {
  store: DeliverabilityStore;
  clock: Clock;
  notifier: Notifier;
  logger: Logger;
  thresholds?: ReputationThresholds;
  /** Told of every state change this process makes (scale-out: tell the other nodes). */
  onChange?: (inboxId: string, state: ReputationState) => void;
}

/** What GET /v1/inboxes/{id}/reputation shows. */
export interface ReputationReport {
  state: ReputationState;
  since: number;
  counts: ReputationCounts;
  bounceRate: number;
  complaintRate: number;
}

interface Entry {
  row: ReputationRow;
  days: Map<number, ReputationCounts>;
}

type InboxRef = Pick<Inbox, 'id' | 'orgId' | 'address'>;

export class ReputationService {
  readonly thresholds: ReputationThresholds;
  private readonly states = new Map<string, ReputationState>();
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();

  constructor(private readonly o: ReputationServiceOptions) {
    this.thresholds = o.thresholds ?? REPUTATION_DEFAULTS;
  }

  /** Reads the states that are not healthy (start). */
  async load(): Promise<void> {
    this.states.clear();
    for (const r of await this.o.store.listUnhealthy()) this.states.set(r.inboxId, r.state);
  }

  /**
   * Another node changed the inbox's state: take it, and forget the cached counts so the next
   * outcome here reads them (and the machine) from the store.
   */
  peerChanged(inboxId: string, state: ReputationState): void {
    if (state === 'healthy') this.states.delete(inboxId);
    else this.states.set(inboxId, state);
    this.entries.delete(inboxId);
  }

  /** Hot path: the inbox's state, from memory. */
  stateOf(inboxId: string): ReputationState {
    return this.states.get(inboxId) ?? 'healthy';
  }

  /** Recipients handed off (relay accepted, or delivered to a hosted inbox). */
  recordSent(inbox: InboxRef, messageId: string, recipients: number, delivered: number): Promise<ReputationState> {
    return this.apply(inbox, { kind: 'sent', messageId, recipients }, { ...ZERO_COUNTS, sent: recipients, delivered });
  }

  /** One message's hard bounce, for `recipients` of its recipients. */
  recordHardBounce(inbox: InboxRef, messageId: string, recipients: number): Promise<ReputationState> {
    return this.apply(inbox, { kind: 'hard_bounce', messageId }, { ...ZERO_COUNTS, bounced: recipients });
  }

  recordComplaint(inbox: InboxRef, messageId: string): Promise<ReputationState> {
    return this.apply(inbox, { kind: 'complaint', messageId }, { ...ZERO_COUNTS, complained: 1 });
  }

  /** Paused → warning; any other state stays. `by` is recorded in the event. */
  resume(inbox: InboxRef, by: 'operator' | 'org'): Promise<ReputationState> {
    return this.apply(inbox, { kind: 'resume' }, ZERO_COUNTS, by);
  }

  async report(inbox: InboxRef): Promise<ReputationReport> {
    const e = await this.entry(inbox);
    const counts = this.windowCounts(e, this.o.clock());
    return { state: e.row.state, since: e.row.since, counts, bounceRate: bounceRate(counts), complaintRate: complaintRate(counts) };
  }

  private today(now: number): number {
    return Math.floor(now / DAY);
  }

  private windowCounts(e: Entry, now: number): ReputationCounts {
    const from = this.today(now) - this.thresholds.windowDays + 1;
    const sum = { ...ZERO_COUNTS };
    for (const [day, c] of e.days) {
      if (day < from) {
        e.days.delete(day);
        continue;
      }
      sum.sent += c.sent;
      sum.delivered += c.delivered;
      sum.bounced += c.bounced;
      sum.complained += c.complained;
    }
    return sum;
  }

  private async entry(inbox: InboxRef): Promise<Entry> {
    const hit = this.entries.get(inbox.id);
    if (hit) {
      // Most recently used last: the map's order is the eviction order.
      this.entries.delete(inbox.id);
      this.entries.set(inbox.id, hit);
      return hit;
    }
    let pending = this.loading.get(inbox.id);
    if (!pending) {
      pending = this.read(inbox).finally(() => this.loading.delete(inbox.id));
      this.loading.set(inbox.id, pending);
    }
    return pending;
  }

  private async read(inbox: InboxRef): Promise<Entry> {
    const now = this.o.clock();
    const { row, days } = await this.o.store.loadReputation(inbox.id, this.today(now) - this.thresholds.windowDays + 1);
    const entry: Entry = {
      row: row ?? { ...initialMachine(now), inboxId: inbox.id, orgId: inbox.orgId, updatedAt: now },
      days: new Map(days.map((d: ReputationDay) => [d.day, { ...d.counts }])),
    };
    // Another caller may have loaded it meanwhile; keep the first so no update is lost.
    const raced = this.entries.get(inbox.id);
    if (raced) return raced;
    this.entries.set(inbox.id, entry);
    if (this.entries.size > MAX_CACHED) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }

  /**
   * Applies an outcome to the cached entry synchronously (concurrent outcomes of one inbox
   * never overwrite each other), then persists it with the event, if the state changed.
   */
  private async apply(inbox: InboxRef, outcome: Outcome, delta: ReputationCounts, by?: 'operator' | 'org'): Promise<ReputationState> {
    const e = await this.entry(inbox);
    const now = this.o.clock();
    const day = this.today(now);
    const c = e.days.get(day) ?? { ...ZERO_COUNTS };
    e.days.set(day, { sent: c.sent + delta.sent, delivered: c.delivered + delta.delivered, bounced: c.bounced + delta.bounced, complained: c.complained + delta.complained });
    const counts = this.windowCounts(e, now);
    const previous = e.row.state;
    const { next, reason } = step(e.row, outcome, counts, now, this.thresholds);
    e.row = { ...e.row, ...(next as MachineState), updatedAt: now };
    if (next.state === 'healthy') this.states.delete(inbox.id);
    else this.states.set(inbox.id, next.state);
    const event: NewOrgEvent | null = reason === null ? null : {
      orgId: inbox.orgId, inboxId: inbox.id, type: 'inbox.reputation_changed', lane: 'outbound', createdAt: now,
      data: {
        inbox_id: inbox.id, address: inbox.address, previous_state: previous, state: next.state, reason: by ? `${reason} by the ${by}` : reason,
        sent: counts.sent, bounced: counts.bounced, complained: counts.complained,
        bounce_rate: bounceRate(counts), complaint_rate: complaintRate(counts), since: new Date(now).toISOString(),
      },
    };
    await this.o.store.recordReputation({ row: e.row, day, delta, event });
    if (event) {
      this.o.onChange?.(inbox.id, next.state);
      this.o.logger.warn({ lane: 'outbound', inbox: inbox.id, org: inbox.orgId, from: previous, to: next.state, reason: event.data.reason }, 'reputation changed');
      announceEvents(this.o.notifier, [inbox.orgId]);
    }
    return next.state;
  }
}
