export interface SerialOptions {
  /**
   * How long a running task may hold back the next one. Past it the next task starts anyway:
   * a promise that never settles (its I/O cancelled with the request that started it) must not
   * stop every later write of the isolate.
   */
  stallMs: number;
  /** Told each time a task is let past one that had not settled within `stallMs`. */
  onStall?: (stallMs: number) => void;
}

interface Slot {
  started: Promise<void>;
  settled: Promise<void>;
}

const done: Slot = { started: Promise.resolve(), settled: Promise.resolve() };

/**
 * Runs tasks one at a time, in call order; a failed task does not stop the next. Each task waits
 * for the one before it to settle, or for `stallMs` from the moment that one started, whichever
 * comes first. Counting from its start (not from the call) keeps a queue of slow but live tasks
 * strictly one at a time: only a task that itself ran past the limit is overtaken.
 */
export class Serial {
  private last: Slot = done;

  constructor(private readonly options: SerialOptions) {}

  run<T>(task: () => Promise<T>): Promise<T> {
    const previous = this.last;
    const started = previous.started.then(() => this.settledOrStalled(previous.settled));
    const result = started.then(task);
    this.last = { started, settled: result.then(() => {}, () => {}) };
    return result;
  }

  private settledOrStalled(settled: Promise<void>): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.options.onStall?.(this.options.stallMs);
        resolve();
      }, this.options.stallMs);
      void settled.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
