/**
 * The reputation state machine of one identity (inbox), pure: healthy → warning → throttled →
 * paused on its bounce and complaint rates (DESIGN §5), plus the fast path on a run of hard
 * bounces, and the way back down on a run of clean sends.
 *
 * Rules, in the order they apply:
 * - Rates count recipients over the rolling window (30 days) and only from `minSample` (20)
 *   sends; below that the rates call for nothing.
 * - Escalation happens on a hard bounce or a complaint: the state moves up to what the rates
 *   call for, or to throttled when the last `hardRun` (5) messages sent, in send order, all
 *   hard-bounced (the fast path). It never moves down on a bounce.
 * - Recovery: after `recoveryRun` (50) recipients handed off with no hard bounce or complaint
 *   in between, warning and throttled step down one level, but never below what the rates
 *   call for; the run then starts again. A sent message counts as clean until its bounce comes.
 * - Paused never recovers by itself: a resume (operator, or the org if allowed) moves it to
 *   warning, with the runs cleared, so it is watched while its history still stands.
 */

export type ReputationState = 'healthy' | 'warning' | 'throttled' | 'paused';

export const STATES: readonly ReputationState[] = ['healthy', 'warning', 'throttled', 'paused'];

const rank = (s: ReputationState): number => STATES.indexOf(s);
const higher = (a: ReputationState, b: ReputationState): ReputationState => (rank(a) >= rank(b) ? a : b);

/** Recipient counts over the window. */
export interface ReputationCounts {
  sent: number;
  delivered: number;
  bounced: number;
  complained: number;
}

export const ZERO_COUNTS: ReputationCounts = { sent: 0, delivered: 0, bounced: 0, complained: 0 };

export interface ReputationThresholds {
  windowDays: number;
  minSample: number;
  bounce: { warning: number; throttled: number; paused: number };
  complaint: { warning: number; throttled: number; paused: number };
  /** Messages in a row, in send order, that hard-bounced: throttled whatever the sample. */
  hardRun: number;
  /** Clean recipients in a row that step warning or throttled down one level. */
  recoveryRun: number;
}

/** DESIGN §5. */
export const REPUTATION_DEFAULTS: ReputationThresholds = {
  windowDays: 30,
  minSample: 20,
  bounce: { warning: 0.02, throttled: 0.05, paused: 0.1 },
  complaint: { warning: 0.001, throttled: 0.003, paused: 0.005 },
  hardRun: 5,
  recoveryRun: 50,
};

/** How many recent messages the fast path remembers (a bounce for an older one still counts in the rates). */
export const RECENT_MESSAGES = 16;

/** What the machine keeps between outcomes (persisted with the inbox's reputation row). */
export interface MachineState {
  state: ReputationState;
  /** When the current state began. */
  since: number;
  /** Clean recipients since the last hard bounce, complaint or step. */
  cleanRun: number;
  /** The last messages handed off, oldest first, and whether each hard-bounced. */
  recent: Array<{ id: string; bounced: boolean }>;
}

export type Outcome =
  | { kind: 'sent'; messageId: string; recipients: number }
  | { kind: 'hard_bounce'; messageId: string }
  | { kind: 'complaint'; messageId: string }
  | { kind: 'resume' };

export interface Transition {
  next: MachineState;
  /** Set when the state changed: why, in words an operator reads in the event. */
  reason: string | null;
}

export function bounceRate(c: ReputationCounts): number {
  return c.sent === 0 ? 0 : c.bounced / c.sent;
}

export function complaintRate(c: ReputationCounts): number {
  return c.sent === 0 ? 0 : c.complained / c.sent;
}

const pct = (r: number) => `${(r * 100).toFixed(1)}%`;

/** The state the rates alone call for, with the reason; healthy below the minimum sample. */
export function rateLevel(c: ReputationCounts, t: ReputationThresholds): { level: ReputationState; reason: string | null } {
  if (c.sent < t.minSample) return { level: 'healthy', reason: null };
  const b = bounceRate(c);
  const q = complaintRate(c);
  for (const level of ['paused', 'throttled', 'warning'] as const) {
    if (b >= t.bounce[level]) return { level, reason: `bounce rate ${pct(b)} ≥ ${pct(t.bounce[level])} over ${c.sent} sends` };
    if (q >= t.complaint[level]) return { level, reason: `complaint rate ${(q * 100).toFixed(2)}% ≥ ${(t.complaint[level] * 100).toFixed(2)}% over ${c.sent} sends` };
  }
  return { level: 'healthy', reason: null };
}

/** The longest run of hard-bounced messages among the recent ones, in send order. */
function longestBouncedRun(recent: MachineState['recent']): number {
  let run = 0;
  let best = 0;
  for (const m of recent) {
    run = m.bounced ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

/** A fresh machine: healthy since `now`. */
export function initialMachine(now: number): MachineState {
  return { state: 'healthy', since: now, cleanRun: 0, recent: [] };
}

/**
 * Applies one outcome. `counts` are the window's counts with this outcome already added.
 * Pure: the caller persists `next` and announces the change.
 */
export function step(m: MachineState, outcome: Outcome, counts: ReputationCounts, now: number, t: ReputationThresholds = REPUTATION_DEFAULTS): Transition {
  const to = (state: ReputationState, base: MachineState, reason: string): Transition =>
    state === m.state ? { next: base, reason: null } : { next: { ...base, state, since: now }, reason };

  switch (outcome.kind) {
    case 'resume': {
      if (m.state !== 'paused') return { next: m, reason: null };
      return to('warning', { ...m, cleanRun: 0, recent: [] }, 'resumed');
    }
    case 'sent': {
      const recent = [...m.recent, { id: outcome.messageId, bounced: false }].slice(-RECENT_MESSAGES);
      const base = { ...m, recent, cleanRun: m.cleanRun + outcome.recipients };
      if ((m.state !== 'warning' && m.state !== 'throttled') || base.cleanRun < t.recoveryRun) return { next: base, reason: null };
      // A run of clean sends: one step down, never below what the rates call for.
      const floor = rateLevel(counts, t).level;
      const down = higher(STATES[rank(m.state) - 1]!, floor);
      return to(down, { ...base, cleanRun: 0 }, `${t.recoveryRun} clean sends in a row`);
    }
    case 'hard_bounce':
    case 'complaint': {
      const recent = outcome.kind === 'hard_bounce'
        ? m.recent.map((r) => (r.id === outcome.messageId ? { ...r, bounced: true } : r))
        : m.recent;
      const base = { ...m, recent, cleanRun: 0 };
      if (m.state === 'paused') return { next: base, reason: null };
      const rates = rateLevel(counts, t);
      let target = rates.level;
      let reason = rates.reason;
      if (outcome.kind === 'hard_bounce' && rank(target) < rank('throttled') && longestBouncedRun(recent) >= t.hardRun) {
        target = 'throttled';
        reason = `${t.hardRun} messages in a row hard-bounced`;
      }
      if (rank(target) <= rank(m.state)) return { next: base, reason: null };
      return to(target, base, reason ?? target);
    }
  }
}
