import { describe, expect, it } from 'vitest';
import { newId } from '../../../core/ids.ts';
import { idAfter } from './event-order.ts';

describe('idAfter', () => {
  it('answers the next id in sort order, carrying over the last digits', () => {
    expect(idAfter('evt_01HF7YAT005P1M60SJ3K7N5A72')).toBe('evt_01HF7YAT005P1M60SJ3K7N5A73');
    expect(idAfter('evt_01HF7YAT005P1M60SJ3K7N5A7Z')).toBe('evt_01HF7YAT005P1M60SJ3K7N5A80');
    expect(idAfter('evt_01HF7YAT005P1M60SJ3K7N5ZZZ')).toBe('evt_01HF7YAT005P1M60SJ3K7N6000');
    for (let i = 0; i < 200; i++) {
      const id = newId('evt');
      expect(idAfter(id) > id).toBe(true);
      expect(idAfter(id)).toHaveLength(id.length);
    }
  });
});
