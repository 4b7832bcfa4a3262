import { describe, expect, it } from 'vitest';
import { StaticResolver } from './static-resolver.ts';

describe('StaticResolver', () => {
  const resolver = new StaticResolver({
    hosts: { 'Hooks.Example.test': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] },
    txt: { '_breakwater.example.test': [['bw-verify=', 'abc']] },
    mx: { 'example.test': [{ exchange: 'mx.example.test', priority: 10 }] },
    failing: ['down.test'],
  });

  it('answers from its maps, names case-insensitive and without the root dot', async () => {
    expect(await resolver.resolveHost('hooks.example.test.')).toEqual(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']);
    expect(await resolver.resolveTxt('_BREAKWATER.example.test')).toEqual([['bw-verify=', 'abc']]);
    expect(await resolver.resolveMx('example.test')).toEqual([{ exchange: 'mx.example.test', priority: 10 }]);
  });

  it('answers [] for unknown names and rejects for failing ones', async () => {
    expect(await resolver.resolveHost('unknown.test')).toEqual([]);
    expect(await resolver.resolveTxt('unknown.test')).toEqual([]);
    await expect(resolver.resolveHost('down.test')).rejects.toThrow(/down\.test/);
  });

  it('hands out copies, so callers cannot change the fixture', async () => {
    (await resolver.resolveHost('hooks.example.test')).pop();
    expect(await resolver.resolveHost('hooks.example.test')).toHaveLength(2);
  });
});
