import type { MxRecord, Resolver } from '../../../core/webhooks/resolver.ts';

/** Fixed answers, keyed by name (case-insensitive, trailing dot ignored). */
export interface StaticResolverOptions {
  hosts?: Record<string, string[]>;
  txt?: Record<string, string[][]>;
  mx?: Record<string, MxRecord[]>;
  /** Names whose lookups reject, to exercise resolver faults. */
  failing?: string[];
}

/** A Resolver answering from maps, for tests and local development; unknown names answer `[]`. */
export class StaticResolver implements Resolver {
  private readonly hosts: Map<string, string[]>;
  private readonly txt: Map<string, string[][]>;
  private readonly mx: Map<string, MxRecord[]>;
  private readonly failing: Set<string>;

  constructor(options: StaticResolverOptions = {}) {
    this.hosts = toMap(options.hosts);
    this.txt = toMap(options.txt);
    this.mx = toMap(options.mx);
    this.failing = new Set((options.failing ?? []).map(normalize));
  }

  resolveHost(host: string): Promise<string[]> {
    return this.answer(this.hosts, host);
  }

  resolveTxt(name: string): Promise<string[][]> {
    return this.answer(this.txt, name);
  }

  resolveMx(name: string): Promise<MxRecord[]> {
    return this.answer(this.mx, name);
  }

  private async answer<T>(map: Map<string, T[]>, name: string): Promise<T[]> {
    const key = normalize(name);
    if (this.failing.has(key)) throw new Error(`static resolver: lookup of ${key} failed`);
    // A copy, so a caller that sorts or filters the answer cannot change the fixture.
    return [...(map.get(key) ?? [])];
  }
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function toMap<T>(record: Record<string, T[]> | undefined): Map<string, T[]> {
  return new Map(Object.entries(record ?? {}).map(([name, values]) => [normalize(name), values]));
}
