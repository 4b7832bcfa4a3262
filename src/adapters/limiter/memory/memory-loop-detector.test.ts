import { describe, expect, it } from 'vitest';
import { loopContract } from '../loop-contract.ts';
import { MemoryLoopDetector, MemoryLoopStrikes } from './memory-loop-detector.ts';

loopContract('memory', (now) => ({ detector: new MemoryLoopDetector({ now }), strikes: new MemoryLoopStrikes({ now }) }));

describe('MemoryLoopDetector', () => {
  it('applies policy overrides', () => {
    const detector = new MemoryLoopDetector({ maxRepeats: 1, windowMs: 100, now: () => 0 });
    expect(detector.hitSync('a')).toEqual({ loop: false, count: 1 });
    expect(detector.hitSync('a')).toEqual({ loop: true, count: 2 });
  });

  it('keeps defaults for options left undefined and rejects nonsense', () => {
    expect(() => new MemoryLoopDetector({ maxRepeats: undefined })).not.toThrow();
    expect(() => new MemoryLoopDetector({ maxRepeats: 0 })).toThrow(RangeError);
    expect(() => new MemoryLoopDetector({ maxKeys: 0 })).toThrow(RangeError);
    expect(() => new MemoryLoopStrikes({ quarantineMs: 1.5 })).toThrow(RangeError);
  });

  it('forgets the least recently seen fingerprint at maxKeys, and reuses its slot cleanly', () => {
    const detector = new MemoryLoopDetector({ maxKeys: 2, now: () => 0 });
    for (let i = 0; i < 3; i++) detector.hitSync('a');
    detector.hitSync('b');
    detector.hitSync('c'); // evicts a; c takes its slot
    expect(detector.hitSync('c')).toEqual({ loop: false, count: 2 });
    expect(detector.hitSync('a')).toEqual({ loop: false, count: 1 });
  });
});

describe('MemoryLoopStrikes', () => {
  it('applies policy overrides', () => {
    const strikes = new MemoryLoopStrikes({ strikes: 2, quarantineMs: 1000, maxQuarantineMs: 1500, now: () => 0 });
    expect(strikes.strikeSync('k').quarantineMs).toBeNull();
    expect(strikes.strikeSync('k').quarantineMs).toBe(1000);
    strikes.strikeSync('k');
    expect(strikes.strikeSync('k').quarantineMs).toBe(1500);
  });
});
