import type { Page } from './types.ts';

/**
 * A cursor-paged list (DESIGN §4 "Lists"). Await it for the first page, or iterate it with
 * `for await` to walk every item across pages; pages are fetched only as the loop needs them,
 * so breaking out early costs nothing more.
 */
export class Paginated<T> implements AsyncIterable<T>, PromiseLike<Page<T>> {
  constructor(private readonly fetchPage: (cursor: string | null) => Promise<Page<T>>, private readonly cursor: string | null = null) {}

  /** One page, from the list's cursor or the one given (a `next_cursor` you kept). */
  page(cursor: string | null = this.cursor): Promise<Page<T>> {
    return this.fetchPage(cursor);
  }

  then<R1 = Page<T>, R2 = never>(onFulfilled?: ((page: Page<T>) => R1 | PromiseLike<R1>) | null, onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null): Promise<R1 | R2> {
    return this.page().then(onFulfilled, onRejected);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let cursor = this.cursor;
    do {
      const page = await this.fetchPage(cursor);
      for (const item of page.data) yield item;
      cursor = page.next_cursor;
    } while (cursor);
  }

  /** Every item, up to `max` (default 1,000: a guard against walking a huge list by accident). */
  async toArray(max = 1000): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this) {
      if (out.length >= max) break;
      out.push(item);
    }
    return out;
  }
}
