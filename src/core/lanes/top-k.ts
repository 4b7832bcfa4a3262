/**
 * Heavy hitters in bounded memory: the Space-Saving algorithm (Metwally, Agrawal, El Abbadi,
 * "Efficient Computation of Frequent and Top-k Elements in Data Streams", ICDT 2005).
 * At most `capacity` entries; an id whose true count exceeds total/capacity is always kept,
 * and each count overestimates by at most its `error`. A storm of distinct ids costs no memory.
 */

/** One tracked id; `count - error` is a guaranteed lower bound of its true count. */
export interface TopEntry {
  id: string;
  /** The org the id belongs to, so an org sees only its own talkers. */
  org: string | null;
  count: number;
  error: number;
}

/** A Space-Saving summary holding at most `capacity` ids. */
export class TopK {
  private readonly entries = new Map<string, TopEntry>();

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('top-k capacity must be at least 1');
  }

  get size(): number {
    return this.entries.size;
  }

  /** Counts `weight` sightings of `id`. O(1) while tracked; O(capacity) to replace the minimum. */
  offer(id: string, org: string | null, weight = 1): void {
    const hit = this.entries.get(id);
    if (hit) {
      hit.count += weight;
      return;
    }
    if (this.entries.size < this.capacity) {
      this.entries.set(id, { id, org, count: weight, error: 0 });
      return;
    }
    let min: TopEntry | null = null;
    for (const e of this.entries.values()) if (!min || e.count < min.count) min = e;
    // The newcomer inherits the evicted count: the algorithm's overestimate, bounded by `error`.
    this.entries.delete(min!.id);
    this.entries.set(id, { id, org, count: min!.count + weight, error: min!.count });
  }

  /** The `n` largest counts, optionally of one org, largest first. */
  top(n: number, org?: string): TopEntry[] {
    const all = [...this.entries.values()].filter((e) => org === undefined || e.org === org);
    return all.sort((a, b) => b.count - a.count || a.id.localeCompare(b.id)).slice(0, n).map((e) => ({ ...e }));
  }

  clear(): void {
    this.entries.clear();
  }
}
