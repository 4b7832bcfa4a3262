import { describe, expect, it } from 'vitest';
import {
  classifyResponse, DISABLE_ENDPOINT_AFTER_MS, MAX_ATTEMPTS, nextAttemptDelayMs, RETRY_SCHEDULE_MS, shouldDisableEndpoint,
} from './schedule.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const exact = { random: () => 0.5 };

describe('nextAttemptDelayMs', () => {
  it.each([
    [1, 5 * S],
    [2, 5 * M],
    [3, 30 * M],
    [4, 2 * H],
    [5, 5 * H],
    [6, 10 * H],
    [7, 10 * H],
    [8, null],
    [9, null],
  ])('after attempt %i waits %s ms', (attempt, delay) => {
    expect(nextAttemptDelayMs(attempt, exact)).toBe(delay);
  });

  it('spans 8 attempts over about a day (27 h 35 min 5 s)', () => {
    expect(MAX_ATTEMPTS).toBe(8);
    expect(RETRY_SCHEDULE_MS[0]).toBe(0);
    expect(RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0)).toBe(27 * H + 35 * M + 5 * S);
  });

  it('jitters by at most ±10 % by default', () => {
    expect(nextAttemptDelayMs(1, { random: () => 0 })).toBe(4500);
    expect(nextAttemptDelayMs(1, { random: () => 0.999999 })).toBe(5500);
    expect(nextAttemptDelayMs(4, { random: () => 0.75 })).toBe(2 * H * 1.05);
    for (let i = 0; i < 1000; i++) {
      const delay = nextAttemptDelayMs(2)!;
      expect(delay).toBeGreaterThanOrEqual(5 * M * 0.9);
      expect(delay).toBeLessThanOrEqual(5 * M * 1.1);
    }
  });

  it('takes another jitter fraction, or none', () => {
    expect(nextAttemptDelayMs(1, { jitter: 0, random: () => 0 })).toBe(5 * S);
    expect(nextAttemptDelayMs(1, { jitter: 0.5, random: () => 0 })).toBe(2500);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses the attempt number %s', (n) => {
    expect(() => nextAttemptDelayMs(n)).toThrow(RangeError);
  });

  it.each([-0.1, 1, Number.NaN])('refuses the jitter %s', (jitter) => {
    expect(() => nextAttemptDelayMs(1, { jitter })).toThrow(RangeError);
  });
});

describe('classifyResponse', () => {
  it.each([
    [200, 'success'],
    [201, 'success'],
    [204, 'success'],
    [299, 'success'],
    [410, 'disable'],
    [100, 'retry'],
    [301, 'retry'],
    [302, 'retry'],
    [400, 'retry'],
    [401, 'retry'],
    [404, 'retry'],
    [409, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
  ] as const)('%i is %s', (status, expected) => {
    expect(classifyResponse(status)).toBe(expected);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'timeout after 15000 ms', 'certificate has expired', undefined])('no response (%s) retries', (error) => {
    expect(classifyResponse(null, error)).toBe('retry');
  });
});

describe('shouldDisableEndpoint', () => {
  const t0 = Date.UTC(2026, 0, 1);

  it.each([
    [null, t0 + 30 * 24 * H, false],
    [t0, t0, false],
    [t0, t0 + 4 * 24 * H, false],
    [t0, t0 + DISABLE_ENDPOINT_AFTER_MS - 1, false],
    [t0, t0 + 5 * 24 * H, true],
    [t0, t0 + 9 * 24 * H, true],
  ])('first failure %s, now %s: %s', (first, now, expected) => {
    expect(shouldDisableEndpoint(first, now)).toBe(expected);
  });
});
