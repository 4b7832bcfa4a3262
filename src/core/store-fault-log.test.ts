import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../test/helpers/services.ts';
import { StoreUnavailableError } from './errors.ts';
import { logStoreFailure, logStoreFault, STORE_FAULT_LOG_WINDOW_MS } from './store-fault-log.ts';

describe('store fault log', () => {
  it('logs the first refusal of a window with its cause, counts the rest, and reports the count on the next line', () => {
    const logger = memoryLogger();
    const t0 = 1_000_000;
    for (let i = 0; i < 500; i++) logStoreFault(logger, { request_id: `r${i}` }, undefined, t0 + i);
    expect(logger.lines).toEqual([{ level: 'warn', msg: 'store unavailable', obj: { request_id: 'r0', unlogged_since_last: 0 } }]);
    logStoreFault(logger, { request_id: 'next' }, undefined, t0 + STORE_FAULT_LOG_WINDOW_MS);
    expect(logger.lines[1]).toEqual({ level: 'warn', msg: 'store unavailable', obj: { request_id: 'next', unlogged_since_last: 499 } });
  });

  it('keeps one window per logger', () => {
    const a = memoryLogger();
    const b = memoryLogger();
    logStoreFault(a, {}, undefined, 5);
    logStoreFault(b, {}, undefined, 6);
    expect([a.lines.length, b.lines.length]).toEqual([1, 1]);
  });

  it('throttles store faults only: any other failure is an error line every time', () => {
    const logger = memoryLogger();
    const cause = new Error('SQLITE_FULL');
    logStoreFailure(logger, new StoreUnavailableError(cause), { lane: 'inbound' }, 'smtp store failed');
    logStoreFailure(logger, new StoreUnavailableError(cause), { lane: 'inbound' }, 'smtp store failed');
    const bug = new TypeError('x is undefined');
    logStoreFailure(logger, bug, { lane: 'inbound' }, 'smtp store failed');
    logStoreFailure(logger, bug, { lane: 'inbound' }, 'smtp store failed');
    expect(logger.lines.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'smtp store failed: store unavailable'], ['error', 'smtp store failed'], ['error', 'smtp store failed'],
    ]);
    expect(logger.lines[0]!.obj).toMatchObject({ err: cause, lane: 'inbound' });
  });
});
