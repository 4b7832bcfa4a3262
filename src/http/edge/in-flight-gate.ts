import { BreakwaterError } from '../../core/errors.ts';

/**
 * Load shedding: at most `max` requests doing store work at once in this process. The next
 * is refused at once with 503 and Retry-After, before any transaction opens, so a storm
 * queues nowhere and well-behaved requests keep their latency.
 */
export class InFlightGate {
  private active = 0;
  shed = 0;

  constructor(readonly max: number) {}

  get inFlight(): number {
    return this.active;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) {
      this.shed++;
      throw new BreakwaterError('overloaded', `this node is at its limit of ${this.max} requests in flight`, {
        rule: `in-flight ${this.max}`,
        fix: 'Retry after the Retry-After delay, with back-off.',
        retryAfterSeconds: 1,
      });
    }
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
    }
  }
}
