/** The Queue and idempotency-record part of the store contract (store-contract.ts runs it). */
import { describe, expect, it } from 'vitest';
import type { ApiKey, Inbox, Job, Org } from '../../core/model.ts';
import type { Queue, Store } from '../../core/ports.ts';
import { T0, LEASE, tag, makeStored, makeJob, idempotency, outboundWrite, ids } from './store-contract-fixtures.ts';

export interface ContractContext {
  store: () => Store & Queue;
  newOrg: (at?: number) => Promise<{ org: Org; key: ApiKey }>;
  newInbox: (orgId: string, at?: number) => Promise<Inbox>;
  leased: (queue: string, owner: string, now?: number) => Promise<Job>;
}

export function queueContract(ctx: ContractContext): void {
  const { newOrg, newInbox, leased } = ctx;
  describe('queue', () => {
    it('claims due jobs only, oldest first, never future ones', async () => {
      const queue = `q-${tag()}`;
      const now = T0 + 10_000;
      const late = makeJob(queue, now - 5000, { which: 'late' });
      const due = makeJob(queue, now, { which: 'due' });
      const future = makeJob(queue, now + 1, { which: 'future' });
      for (const j of [future, due, late]) await ctx.store().enqueue(j);
      const claimed = await ctx.store().claim(queue, 'w1', LEASE, 10, now);
      expect(claimed).toEqual([late, due].map((j) => ({ ...j, attempts: 0, leaseOwner: 'w1', leaseUntil: now + LEASE, lastError: null })));
      expect(ids(await ctx.store().claim(queue, 'w1', LEASE, 10, now + 1))).toEqual([future.id]);
    });

    it('claims at most `limit` jobs, of its own queue only', async () => {
      const queue = `q-${tag()}`;
      const other = `q-${tag()}`;
      const jobs = [0, 1, 2].map((i) => makeJob(queue, T0 + i));
      for (const j of jobs) await ctx.store().enqueue(j);
      await ctx.store().enqueue(makeJob(other, T0));
      expect(ids(await ctx.store().claim(queue, 'w', LEASE, 2, T0 + 10))).toEqual([jobs[0]!.id, jobs[1]!.id]);
      expect(ids(await ctx.store().claim(queue, 'w', LEASE, 2, T0 + 10))).toEqual([jobs[2]!.id]);
      expect(await ctx.store().claim(queue, 'w', LEASE, 2, T0 + 10)).toEqual([]);
      expect(await ctx.store().claim(`q-${tag()}`, 'w', LEASE, 2, T0 + 10)).toEqual([]);
    });

    it('does not hand out a leased job until its lease runs out, then gives it to another worker', async () => {
      const queue = `q-${tag()}`;
      const job = await leased(queue, 'dead');
      expect(await ctx.store().claim(queue, 'w2', LEASE, 10, T0 + 1)).toEqual([]);
      expect(await ctx.store().claim(queue, 'w2', LEASE, 10, T0 + LEASE - 1)).toEqual([]);
      const [again] = await ctx.store().claim(queue, 'w2', LEASE, 10, T0 + LEASE + 1);
      expect(again).toMatchObject({ id: job.id, leaseOwner: 'w2', leaseUntil: T0 + 2 * LEASE + 1, attempts: 0 });
      // The dead worker wakes up late: its lease is gone, so it can neither end nor retry the job.
      await ctx.store().complete(job.id, 'dead');
      await ctx.store().fail(job.id, 'dead', 'late');
      await ctx.store().retry(job.id, 'dead', T0, 'late');
      expect(await ctx.store().depth(queue, T0 + LEASE + 2)).toMatchObject({ pending: 1 });
      expect(await ctx.store().claim(queue, 'w3', LEASE, 10, T0 + LEASE + 2)).toEqual([]);
      expect(ids(await ctx.store().claim(queue, 'w3', LEASE, 10, T0 + 3 * LEASE))).toEqual([job.id]);
    });

    it('renews a lease only for its owner, and only while the job is leased', async () => {
      const queue = `q-${tag()}`;
      const job = await leased(queue, 'w1');
      expect(await ctx.store().renew(job.id, 'w2', T0 + 5 * LEASE)).toBe(false);
      expect(await ctx.store().renew(job.id, 'w1', T0 + 3 * LEASE)).toBe(true);
      // Past the first lease the job is still w1's: nobody else may claim it.
      expect(await ctx.store().claim(queue, 'w2', LEASE, 10, T0 + 2 * LEASE)).toEqual([]);
      const [again] = await ctx.store().claim(queue, 'w2', LEASE, 10, T0 + 3 * LEASE + 1);
      expect(again).toMatchObject({ id: job.id, leaseOwner: 'w2' });
      // w1 lost it, so its renewal fails; once the job is done nobody can renew it.
      expect(await ctx.store().renew(job.id, 'w1', T0 + 9 * LEASE)).toBe(false);
      await ctx.store().complete(job.id, 'w2');
      expect(await ctx.store().renew(job.id, 'w2', T0 + 9 * LEASE)).toBe(false);
    });

    it('completes a job only for its lease owner', async () => {
      const queue = `q-${tag()}`;
      const job = await leased(queue, 'w1');
      await ctx.store().complete(job.id, 'w2');
      expect(ids(await ctx.store().claim(queue, 'w3', LEASE, 10, T0 + 2 * LEASE))).toEqual([job.id]);
      await ctx.store().complete(job.id, 'w3');
      expect(await ctx.store().claim(queue, 'w4', LEASE, 10, T0 + 10 * LEASE)).toEqual([]);
      expect(await ctx.store().depth(queue, T0 + 10 * LEASE)).toEqual({ pending: 0, oldestAgeMs: null });
    });

    it('retries a job for its lease owner: attempts grow, run_at moves, the error is kept', async () => {
      const queue = `q-${tag()}`;
      const job = await leased(queue, 'w1');
      await ctx.store().retry(job.id, 'w2', T0 + 1, 'not mine');
      expect(await ctx.store().claim(queue, 'w2', LEASE, 10, T0 + 2)).toEqual([]);
      await ctx.store().retry(job.id, 'w1', T0 + 5000, '421 try later');
      expect(await ctx.store().claim(queue, 'w2', LEASE, 10, T0 + 4999)).toEqual([]);
      const [first] = await ctx.store().claim(queue, 'w2', LEASE, 10, T0 + 5000);
      expect(first).toMatchObject({ id: job.id, attempts: 1, runAt: T0 + 5000, leaseOwner: 'w2', lastError: '421 try later' });
      await ctx.store().retry(job.id, 'w2', T0 + 9000, 'again');
      const [second] = await ctx.store().claim(queue, 'w3', LEASE, 10, T0 + 9000);
      expect(second).toMatchObject({ id: job.id, attempts: 2, runAt: T0 + 9000, lastError: 'again' });
    });

    it('fails a job for good only for its lease owner; a failed job is neither claimed nor counted', async () => {
      const queue = `q-${tag()}`;
      const job = await leased(queue, 'w1');
      await ctx.store().fail(job.id, 'w2', 'not mine');
      expect((await ctx.store().depth(queue, T0)).pending).toBe(1);
      await ctx.store().fail(job.id, 'w1', '550 rejected');
      expect(await ctx.store().depth(queue, T0)).toEqual({ pending: 0, oldestAgeMs: null });
      expect(await ctx.store().claim(queue, 'w2', LEASE, 10, T0 + 10 * LEASE)).toEqual([]);
    });

    it('releases every lease of one owner, and only those', async () => {
      const queue = `q-${tag()}`;
      for (let i = 0; i < 3; i++) await ctx.store().enqueue(makeJob(queue, T0 + i));
      const mine = await ctx.store().claim(queue, 'stopping', LEASE, 2, T0 + 10);
      const theirs = await ctx.store().claim(queue, 'other', LEASE, 2, T0 + 10);
      expect(mine).toHaveLength(2);
      expect(theirs).toHaveLength(1);
      expect(await ctx.store().releaseAll('stopping')).toBe(2);
      expect(await ctx.store().releaseAll('stopping')).toBe(0);
      const reclaimed = await ctx.store().claim(queue, 'next', LEASE, 10, T0 + 11);
      expect(ids(reclaimed).sort()).toEqual(ids(mine).sort());
      expect(reclaimed.every((j) => j.attempts === 0)).toBe(true);
    });

    it('reports depth: pending and leased jobs, and the age of the oldest', async () => {
      const queue = `q-${tag()}`;
      expect(await ctx.store().depth(queue, T0)).toEqual({ pending: 0, oldestAgeMs: null });
      await ctx.store().enqueue(makeJob(queue, T0 - 5000));
      await ctx.store().enqueue(makeJob(queue, T0 - 1000));
      await ctx.store().enqueue(makeJob(`q-${tag()}`, T0 - 9000));
      expect(await ctx.store().depth(queue, T0)).toEqual({ pending: 2, oldestAgeMs: 5000 });
      const [oldest] = await ctx.store().claim(queue, 'w', LEASE, 1, T0);
      expect(await ctx.store().depth(queue, T0)).toEqual({ pending: 2, oldestAgeMs: 5000 });
      await ctx.store().complete(oldest!.id, 'w');
      expect(await ctx.store().depth(queue, T0)).toEqual({ pending: 1, oldestAgeMs: 1000 });
    });

    it('never gives one job to two concurrent claims', async () => {
      const queue = `q-${tag()}`;
      const jobs = Array.from({ length: 50 }, (_, i) => makeJob(queue, T0 + i));
      await Promise.all(jobs.map((j) => ctx.store().enqueue(j)));
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => ctx.store().claim(queue, i % 2 === 0 ? 'owner-a' : 'owner-b', LEASE, 5, T0 + 100)),
      );
      const got = claims.flat().map((j) => j.id);
      expect(got).toHaveLength(50);
      expect(new Set(got).size).toBe(50);
      expect([...got].sort()).toEqual(ids(jobs).sort());
      for (const [i, claim] of claims.entries()) {
        expect(claim.every((j) => j.leaseOwner === (i % 2 === 0 ? 'owner-a' : 'owner-b'))).toBe(true);
      }
    });
  });

  describe('idempotency records', () => {
    it('purges expired records only, and counts them', async () => {
      const { org } = await newOrg();
      const inbox = await newInbox(org.id);
      const queue = `q-${tag()}`;
      // Times far before T0, so records of other tests on a shared backend are never counted.
      const expiring = [1000, 2000, 3000].map((expiresAt, i) => ({ key: `purge-${i}`, expiresAt }));
      for (const { key, expiresAt } of expiring) {
        const item = makeStored(inbox);
        await ctx.store().createOutbound(outboundWrite(item, queue, { ...idempotency(org.id, key, {}, 0), expiresAt }));
      }
      expect(await ctx.store().purgeExpiredIdempotency(500)).toBe(0);
      expect(await ctx.store().purgeExpiredIdempotency(2001)).toBe(2);
      expect(await ctx.store().getIdempotency(org.id, 'purge-0')).toBeNull();
      expect(await ctx.store().getIdempotency(org.id, 'purge-1')).toBeNull();
      expect(await ctx.store().getIdempotency(org.id, 'purge-2')).toMatchObject({ expiresAt: 3000 });
      expect(await ctx.store().purgeExpiredIdempotency(2001)).toBe(0);
    });
  });
}
