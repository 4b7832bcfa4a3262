import { describe, expect, it } from 'vitest';
import { MemoryNotifier } from '../memory/memory-notifier.ts';
import { QueueWakeNotifier, type WakeUp } from './queue-wake-notifier.ts';

function setup(fail = false, maxWaitMs?: number) {
  const sent: WakeUp[] = [];
  const kept: Promise<unknown>[] = [];
  const errors: string[] = [];
  let release: () => void = () => {};
  let gate = Promise.resolve();
  const notifier = new QueueWakeNotifier({
    local: new MemoryNotifier(),
    send: async (body) => {
      await gate;
      if (fail) throw new Error('queue down');
      sent.push(body);
    },
    keepAlive: (p) => kept.push(p),
    onError: (err, queue) => errors.push(`${queue}: ${(err as Error).message}`),
    maxWaitMs,
  });
  const hold = () => (gate = new Promise<void>((r) => (release = r)));
  return { notifier, sent, kept, errors, hold, release: () => release(), settle: () => Promise.all(kept) };
}

describe('QueueWakeNotifier', () => {
  it('sends a wake-up for a job queue topic and keeps it alive past the response', async () => {
    const t = setup();
    t.notifier.publish('queue:delivery');
    await t.settle();
    expect(t.sent).toEqual([{ queue: 'delivery' }]);
    expect(t.kept).toHaveLength(1);
  });

  it('sends nothing for other topics, and still wakes local waiters of every topic', async () => {
    const t = setup();
    const inbox = t.notifier.wait('inbox:inb_1', 1000);
    const queue = t.notifier.wait('queue:webhook', 1000);
    t.notifier.publish('inbox:inb_1');
    t.notifier.publish('queue:webhook');
    expect(await inbox).toBe(true);
    expect(await queue).toBe(true);
    await t.settle();
    expect(t.sent).toEqual([{ queue: 'webhook' }]);
  });

  it('folds publishes made while a send is in flight into one more send after it, per queue', async () => {
    const t = setup();
    t.hold();
    t.notifier.publish('queue:delivery');
    for (let i = 0; i < 50; i++) t.notifier.publish('queue:delivery');
    t.notifier.publish('queue:webhook');
    t.release();
    await t.settle();
    // One for the first commit, one that lands after all fifty later ones; webhook on its own.
    expect(t.sent.filter((s) => s.queue === 'delivery')).toHaveLength(2);
    expect(t.sent.filter((s) => s.queue === 'webhook')).toHaveLength(1);
    t.notifier.publish('queue:delivery');
    await t.settle();
    expect(t.sent.filter((s) => s.queue === 'delivery')).toHaveLength(3);
  });

  it('reports a failed send and never rejects the publish', async () => {
    const t = setup(true);
    t.notifier.publish('queue:delivery');
    await t.settle();
    expect(t.errors).toEqual(['delivery: queue down']);
  });

  it('hands a waiter back to its caller within maxWaitMs: a publish in another isolate never reaches it', async () => {
    const t = setup(false, 50);
    const started = Date.now();
    expect(await t.notifier.wait('inbox:inb_1', 30_000)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
