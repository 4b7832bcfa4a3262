import { describe, expect, it } from 'vitest';
import {
  initialMachine, rateLevel, REPUTATION_DEFAULTS, step, ZERO_COUNTS, type MachineState, type Outcome, type ReputationCounts,
} from './machine.ts';

const T0 = Date.UTC(2025, 5, 1, 12);
const counts = (sent: number, bounced = 0, complained = 0): ReputationCounts => ({ ...ZERO_COUNTS, sent, bounced, complained });
const at = (state: MachineState['state'], extra: Partial<MachineState> = {}): MachineState => ({ ...initialMachine(T0), state, ...extra });
const sent = (id: string, recipients = 1): Outcome => ({ kind: 'sent', messageId: id, recipients });
const bounce = (id: string): Outcome => ({ kind: 'hard_bounce', messageId: id });

describe('rateLevel (DESIGN §5 thresholds)', () => {
  it.each([
    ['below the 20-send sample, even at 100 %', counts(19, 19), 'healthy'],
    ['bounce 1.9 %', counts(1000, 19), 'healthy'],
    ['bounce 2 %', counts(1000, 20), 'warning'],
    ['bounce 5 %', counts(1000, 50), 'throttled'],
    ['bounce 10 %', counts(1000, 100), 'paused'],
    ['complaint 0.09 %', counts(10_000, 0, 9), 'healthy'],
    ['complaint 0.1 %', counts(10_000, 0, 10), 'warning'],
    ['complaint 0.3 %', counts(10_000, 0, 30), 'throttled'],
    ['complaint 0.5 %', counts(10_000, 0, 50), 'paused'],
    ['the worse of the two wins', counts(1000, 20, 5), 'paused'],
  ] as const)('%s → %s', (_name, c, level) => {
    expect(rateLevel(c, REPUTATION_DEFAULTS).level).toBe(level);
  });
});

describe('escalation on bounces and complaints', () => {
  it('moves healthy → warning → throttled → paused as the bounce rate crosses each threshold', () => {
    let m = at('healthy');
    const seen: string[] = [];
    for (const [bounced, id] of [[1, 'a'], [3, 'b'], [5, 'c']] as const) {
      const t = step(m, bounce(id), counts(50, bounced), T0 + bounced);
      m = t.next;
      seen.push(`${m.state}: ${t.reason}`);
    }
    expect(seen).toEqual([
      'warning: bounce rate 2.0% ≥ 2.0% over 50 sends',
      'throttled: bounce rate 6.0% ≥ 5.0% over 50 sends',
      'paused: bounce rate 10.0% ≥ 10.0% over 50 sends',
    ]);
    expect(m.since).toBe(T0 + 5);
  });

  it('jumps straight to what the rate calls for', () => {
    const t = step(at('healthy'), bounce('x'), counts(30, 4), T0);
    expect(t.next.state).toBe('paused');
    expect(t.reason).toMatch(/bounce rate 13\.3% ≥ 10\.0%/);
  });

  it('escalates on a complaint rate too', () => {
    const t = step(at('healthy'), { kind: 'complaint', messageId: 'x' }, counts(1000, 0, 3), T0);
    expect(t.next).toMatchObject({ state: 'throttled', cleanRun: 0 });
    expect(t.reason).toMatch(/complaint rate 0\.30% ≥ 0\.30%/);
  });

  it('never moves down on a bounce, and changes nothing below the sample', () => {
    expect(step(at('throttled'), bounce('x'), counts(100, 2), T0)).toMatchObject({ next: { state: 'throttled' }, reason: null });
    expect(step(at('healthy'), bounce('x'), counts(10, 4), T0)).toMatchObject({ next: { state: 'healthy' }, reason: null });
  });

  it('leaves paused paused', () => {
    expect(step(at('paused'), bounce('x'), counts(10, 10), T0)).toMatchObject({ next: { state: 'paused' }, reason: null });
  });
});

describe('the fast path: 5 messages in a row hard-bounced', () => {
  it('throttles on the fifth, whatever the sample', () => {
    let m = at('healthy');
    for (const id of ['m1', 'm2', 'm3', 'm4', 'm5']) m = step(m, sent(id), counts(5), T0).next;
    for (const id of ['m1', 'm2', 'm3', 'm4']) {
      m = step(m, bounce(id), counts(5), T0).next;
      expect(m.state).toBe('healthy');
    }
    const t = step(m, bounce('m5'), counts(5, 5), T0 + 1);
    expect(t.next.state).toBe('throttled');
    expect(t.reason).toBe('5 messages in a row hard-bounced');
  });

  it('counts in send order: a message that did not bounce breaks the run', () => {
    let m = at('healthy');
    for (const id of ['m1', 'm2', 'good', 'm3', 'm4', 'm5']) m = step(m, sent(id), counts(6), T0).next;
    for (const id of ['m1', 'm2', 'm3', 'm4', 'm5']) m = step(m, bounce(id), counts(6), T0).next;
    expect(m.state).toBe('healthy');
  });

  it('counts bounces that arrive out of order, interleaved with later sends', () => {
    let m = at('healthy');
    for (const id of ['m1', 'm2', 'm3']) m = step(m, sent(id), counts(3), T0).next;
    m = step(m, bounce('m2'), counts(3), T0).next;
    for (const id of ['m4', 'm5']) m = step(m, sent(id), counts(5), T0).next;
    for (const id of ['m5', 'm1', 'm4']) m = step(m, bounce(id), counts(5), T0).next;
    expect(m.state).toBe('healthy');
    expect(step(m, bounce('m3'), counts(5), T0).next.state).toBe('throttled');
  });

  it('does not lower a state above throttled', () => {
    const m = at('paused', { recent: ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, bounced: true })) });
    expect(step(m, bounce('e'), counts(5, 5), T0).next.state).toBe('paused');
  });
});

describe('recovery after a run of clean sends', () => {
  it('steps throttled → warning → healthy, 50 clean recipients each', () => {
    let m = at('throttled', { since: T0 });
    const changes: string[] = [];
    for (let i = 0; i < 100; i++) {
      const t = step(m, sent(`m${i}`), counts(2000 + i), T0 + i);
      if (t.reason) changes.push(`${i}:${t.next.state}:${t.reason}`);
      m = t.next;
    }
    expect(changes).toEqual(['49:warning:50 clean sends in a row', '99:healthy:50 clean sends in a row']);
    expect(m.since).toBe(T0 + 99);
  });

  it('counts recipients, not messages', () => {
    const t = step(at('warning', { cleanRun: 40 }), sent('x', 10), counts(1000), T0);
    expect(t.next).toMatchObject({ state: 'healthy', cleanRun: 0 });
  });

  it('a hard bounce or a complaint restarts the run', () => {
    let m = at('warning', { cleanRun: 49 });
    m = step(m, bounce('x'), counts(1000, 1), T0).next;
    expect(m.cleanRun).toBe(0);
    m = step(m, sent('y'), counts(1001, 1), T0).next;
    expect(m).toMatchObject({ state: 'warning', cleanRun: 1 });
    m = step({ ...m, cleanRun: 49 }, { kind: 'complaint', messageId: 'y' }, counts(1001, 1, 0), T0).next;
    expect(m.cleanRun).toBe(0);
  });

  it('never steps below what the rates call for', () => {
    // 6 % bounces: throttled by rate, so clean sends alone cannot bring it to warning.
    const t = step(at('throttled', { cleanRun: 49 }), sent('x'), counts(100, 6), T0);
    expect(t).toMatchObject({ next: { state: 'throttled', cleanRun: 0 }, reason: null });
    // 3 %: down one step to warning, not to healthy.
    expect(step(at('throttled', { cleanRun: 49 }), sent('x'), counts(100, 3), T0).next.state).toBe('warning');
  });

  it('never takes paused down by itself', () => {
    expect(step(at('paused', { cleanRun: 1000 }), sent('x'), counts(100_000), T0)).toMatchObject({ next: { state: 'paused' }, reason: null });
  });
});

describe('resume', () => {
  it('moves paused to warning with the runs cleared', () => {
    const m = at('paused', { cleanRun: 7, recent: [{ id: 'a', bounced: true }] });
    const t = step(m, { kind: 'resume' }, counts(30, 4), T0 + 5);
    expect(t).toEqual({ next: { state: 'warning', since: T0 + 5, cleanRun: 0, recent: [] }, reason: 'resumed' });
  });

  it('changes nothing for any other state', () => {
    for (const state of ['healthy', 'warning', 'throttled'] as const) {
      expect(step(at(state), { kind: 'resume' }, counts(30), T0)).toMatchObject({ next: { state }, reason: null });
    }
  });
});
