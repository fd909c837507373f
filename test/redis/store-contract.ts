import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobRecord, WeComBatchStore } from '../../lib/stores/wecom-batch-store.interface.js';

// The behaviour every WeComBatchStore must have, run against MemoryStore and RedisStore alike, so the module
// behaves the same on one instance and on many. Timing tests use real time with short TTLs.

/** Two handles on one backend: `peer` is another instance (another connection) — or `store` itself when the
 * backend lives in one process. */
export interface StoreContractPair {
  store: WeComBatchStore;
  peer: WeComBatchStore;
}

/** Creates a fresh, empty pair for each test; `close` frees what it opened. */
export interface StoreContractHarness {
  create(): Promise<StoreContractPair>;
  close(pair: StoreContractPair): Promise<void>;
}

/** Defines the contract tests for the stores `harness()` makes (called lazily, inside the tests). */
export function describeStoreContract(name: string, harness: () => StoreContractHarness): void {
  describe(`${name} — WeComBatchStore contract`, () => {
    const open: StoreContractPair[] = [];
    const pair = async (): Promise<StoreContractPair> => {
      const created = await harness().create();
      open.push(created);
      return created;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((p) => harness().close(p)));
    });

    describe('tokens', () => {
      const token = (value: string, fetchedAt: number) => ({
        token: value,
        fetchedAt,
        expiresAt: fetchedAt + 7_200_000,
      });

      it('returns null for an unknown key and the saved record (a copy) for a known one', async () => {
        const { store, peer } = await pair();
        const now = Date.now();
        expect(await store.getToken('t')).toBeNull();
        await store.setToken('t', token('tok-1', now));
        const read = await peer.getToken('t');
        expect(read).toEqual(token('tok-1', now));
        read!.token = 'mutated';
        expect((await store.getToken('t'))?.token).toBe('tok-1');
        expect(await store.getToken('other')).toBeNull();
      });

      it('never replaces a newer token with an older one, but a newer one replaces an older one', async () => {
        const { store, peer } = await pair();
        const now = Date.now();
        await store.setToken('t', token('new', now));
        await peer.setToken('t', token('old', now - 1000));
        expect((await store.getToken('t'))?.token).toBe('new');
        await peer.setToken('t', token('newer', now + 1000));
        expect(await store.getToken('t')).toEqual(token('newer', now + 1000));
      });

      it('keeps the newest token when many refreshers write concurrently in any order', async () => {
        const { store, peer } = await pair();
        const base = Date.now();
        const order = shuffled([...Array(30).keys()]);
        await Promise.all(order.map((i) => (i % 2 ? store : peer).setToken('t', token(`tok-${i}`, base + i * 10))));
        expect(await store.getToken('t')).toEqual(token('tok-29', base + 290));
      });

      it('invalidates only when the cached token is still the one given (compare-and-invalidate)', async () => {
        const { store, peer } = await pair();
        const now = Date.now();
        await store.setToken('t', token('fresh', now));
        // An instance that failed with a token refreshed meanwhile must not drop the fresh one.
        expect(await peer.invalidateToken('t', 'stale')).toBe(false);
        expect((await store.getToken('t'))?.token).toBe('fresh');
        expect(await peer.invalidateToken('t', 'fresh')).toBe(true);
        expect(await store.getToken('t')).toBeNull();
        expect(await store.invalidateToken('t', 'fresh')).toBe(false);
        expect(await store.invalidateToken('never-set', 'x')).toBe(false);
      });

      it('lets exactly one of many concurrent invalidations of the same token succeed', async () => {
        const { store, peer } = await pair();
        await store.setToken('t', token('bad', Date.now()));
        const results = await Promise.all(
          [...Array(20).keys()].map((i) => (i % 2 ? store : peer).invalidateToken('t', 'bad')),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('locks', () => {
      it('hands out one lease; the lock is free again after release by its holder only', async () => {
        const { store, peer } = await pair();
        const lease = await store.acquireLock('import', 10_000);
        expect(typeof lease).toBe('string');
        expect(await peer.acquireLock('import', 10_000)).toBeNull();
        expect(await peer.releaseLock('import', 'not-the-lease')).toBe(false);
        expect(await peer.acquireLock('import', 10_000)).toBeNull();
        expect(await store.releaseLock('import', lease!)).toBe(true);
        expect(await store.releaseLock('import', lease!)).toBe(false);
        const next = await peer.acquireLock('import', 10_000);
        expect(next).not.toBeNull();
        expect(next).not.toBe(lease);
      });

      it('grants exactly one of 50 concurrent acquisitions', async () => {
        const { store, peer } = await pair();
        const leases = await Promise.all(
          [...Array(50).keys()].map((i) => (i % 2 ? store : peer).acquireLock('hot', 10_000)),
        );
        expect(leases.filter((l) => l !== null)).toHaveLength(1);
      });

      it('keeps locks of different names independent', async () => {
        const { store } = await pair();
        expect(await store.acquireLock('a', 10_000)).not.toBeNull();
        expect(await store.acquireLock('b', 10_000)).not.toBeNull();
        expect(await store.acquireLock('a', 10_000)).toBeNull();
      });

      it('frees an expired lease for another holder; the lost lease can neither be extended nor released', async () => {
        const { store, peer } = await pair();
        const crashed = await store.acquireLock('import', 100);
        expect(crashed).not.toBeNull();
        await sleep(250);
        const taken = await peer.acquireLock('import', 10_000);
        expect(taken).not.toBeNull();
        expect(await store.extendLock('import', crashed!, 10_000)).toBe(false);
        expect(await store.releaseLock('import', crashed!)).toBe(false);
        // The new holder still holds it.
        expect(await store.acquireLock('import', 10_000)).toBeNull();
        expect(await peer.extendLock('import', taken!, 10_000)).toBe(true);
      });

      it('extends a lease still held so it outlives its first TTL', async () => {
        const { store, peer } = await pair();
        const lease = await store.acquireLock('long', 300);
        await sleep(150);
        expect(await store.extendLock('long', lease!, 1000)).toBe(true);
        await sleep(300);
        expect(await peer.acquireLock('long', 1000)).toBeNull();
        expect(await store.releaseLock('long', lease!)).toBe(true);
      });

      it('refuses to extend or release a lock nobody holds', async () => {
        const { store } = await pair();
        expect(await store.extendLock('nobody', 'x', 1000)).toBe(false);
        expect(await store.releaseLock('nobody', 'x')).toBe(false);
      });
    });

    describe('setOnce (dedup marks)', () => {
      it('is true for the first caller only, until the mark expires', async () => {
        const { store, peer } = await pair();
        expect(await store.setOnce('cb:job-1', 150)).toBe(true);
        expect(await peer.setOnce('cb:job-1', 150)).toBe(false);
        expect(await store.setOnce('cb:job-1', 150)).toBe(false);
        expect(await store.setOnce('cb:job-2', 150)).toBe(true);
        await sleep(300);
        expect(await peer.setOnce('cb:job-1', 150)).toBe(true);
      });

      it('is true for exactly one of 50 concurrent callers', async () => {
        const { store, peer } = await pair();
        const results = await Promise.all(
          [...Array(50).keys()].map((i) => (i % 2 ? store : peer).setOnce('cb:dup', 10_000)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('job records', () => {
      it('saves and reads a record with its callback, completion and result rows (a copy, or frozen)', async () => {
        const { store, peer } = await pair();
        const record = completedJob('corp-a', 'job-1');
        await store.saveJob(record, 60_000);
        const read = await peer.getJob('corp-a', 'job-1');
        expect(read).toEqual(completedJob('corp-a', 'job-1'));
        // RedisStore hands out copies, MemoryStore the stored record frozen: either way it cannot be changed.
        try {
          read!.completion!.result!.length = 0;
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
        }
        expect((await store.getJob('corp-a', 'job-1'))?.completion?.result).toHaveLength(2);
        expect(await store.getJob('corp-a', 'unknown')).toBeNull();
        expect(await store.getJob('corp-b', 'job-1')).toBeNull();
      });

      it('replaces a record on save', async () => {
        const { store } = await pair();
        await store.saveJob(pendingJob('corp-a', 'job-1'), 60_000);
        const withCallback: JobRecord = {
          ...pendingJob('corp-a', 'job-1'),
          callback: { jobType: 'sync_user', errCode: 0, errMsg: 'ok', receivedAt: Date.now() },
        };
        await store.saveJob(withCallback, 60_000);
        expect(await store.getJob('corp-a', 'job-1')).toEqual(withCallback);
      });

      it('lists the pending jobs of one corp only, and no longer lists a job once it completed', async () => {
        const { store, peer } = await pair();
        await store.saveJob(pendingJob('corp-a', 'job-1'), 60_000);
        await peer.saveJob(pendingJob('corp-a', 'job-2'), 60_000);
        await store.saveJob(pendingJob('corp-b', 'job-3'), 60_000);
        await store.saveJob(completedJob('corp-a', 'job-4'), 60_000);
        expect(ids(await peer.listPendingJobs('corp-a'))).toEqual(['job-1', 'job-2']);
        expect(ids(await peer.listPendingJobs('corp-b'))).toEqual(['job-3']);
        expect(await store.listPendingJobs('corp-unknown')).toEqual([]);

        await peer.saveJob(completedJob('corp-a', 'job-1'), 60_000);
        const pending = await store.listPendingJobs('corp-a');
        expect(ids(pending)).toEqual(['job-2']);
        expect(pending[0]).toEqual(pendingJob('corp-a', 'job-2'));
      });

      it('does not mix up ids that contain separators', async () => {
        const { store } = await pair();
        await store.saveJob(pendingJob('a:b', 'c'), 60_000);
        await store.saveJob(completedJob('a', 'b:c'), 60_000);
        expect((await store.getJob('a:b', 'c'))?.status).toBe('pending');
        expect((await store.getJob('a', 'b:c'))?.status).toBe('completed');
        expect(ids(await store.listPendingJobs('a:b'))).toEqual(['c']);
        expect(await store.listPendingJobs('a')).toEqual([]);
      });

      it('forgets a record when its TTL passes, counted from the last save', async () => {
        const { store, peer } = await pair();
        await store.saveJob(pendingJob('corp-a', 'short'), 150);
        await store.saveJob(pendingJob('corp-a', 'renewed'), 150);
        await sleep(75);
        await store.saveJob(pendingJob('corp-a', 'renewed'), 10_000);
        await sleep(200);
        expect(await peer.getJob('corp-a', 'short')).toBeNull();
        expect(ids(await peer.listPendingJobs('corp-a'))).toEqual(['renewed']);
        expect(await peer.getJob('corp-a', 'renewed')).not.toBeNull();
      });
    });

    describe('publish / subscribe', () => {
      it('delivers a message to subscribers on every instance, the publisher included', async () => {
        const { store, peer } = await pair();
        const local = inbox();
        const remote = inbox();
        await store.subscribe('job.completed', local.handler);
        await peer.subscribe('job.completed', remote.handler);
        await store.publish('job.completed', 'job-1');
        expect(await remote.next()).toBe('job-1');
        expect(await local.next()).toBe('job-1');
      });

      it('keeps channels apart and delivers in publish order', async () => {
        const { store, peer } = await pair();
        const a = inbox();
        const b = inbox();
        await peer.subscribe('a', a.handler);
        await peer.subscribe('b', b.handler);
        for (let i = 0; i < 20; i++) await store.publish('a', `a${i}`);
        await store.publish('b', 'b0');
        expect(await b.next()).toBe('b0');
        await a.waitFor(20);
        expect(a.messages).toEqual([...Array(20).keys()].map((i) => `a${i}`));
        expect(b.messages).toEqual(['b0']);
      });

      it('stops delivering to an unsubscribed handler while other handlers of the channel keep receiving', async () => {
        const { store, peer } = await pair();
        const first = inbox();
        const second = inbox();
        const unsubscribeFirst = await peer.subscribe('ch', first.handler);
        await peer.subscribe('ch', second.handler);
        await store.publish('ch', 'one');
        expect(await first.next()).toBe('one');
        expect(await second.next()).toBe('one');

        await unsubscribeFirst();
        await unsubscribeFirst(); // idempotent
        await store.publish('ch', 'two');
        expect(await second.next()).toBe('two');
        // 'two' reached the other handler of the same channel, so it would have reached this one by now.
        expect(first.messages).toEqual(['one']);
      });

      it('delivers nothing after the last handler unsubscribed', async () => {
        const { store, peer } = await pair();
        const gone = inbox();
        const witness = inbox();
        const unsubscribe = await peer.subscribe('ch', gone.handler);
        await unsubscribe();
        await peer.subscribe('other', witness.handler);
        await store.publish('ch', 'lost');
        await store.publish('other', 'seen');
        expect(await witness.next()).toBe('seen');
        expect(gone.messages).toEqual([]);
      });
    });
  });
}

/** A pending job as the module writes it on submission. */
export function pendingJob(corpId: string, jobId: string): JobRecord {
  return {
    corpId,
    jobId,
    jobType: 'sync_user',
    mediaId: `media-${jobId}`,
    rows: 2,
    submittedAt: 1_700_000_000_000,
    status: 'pending',
  };
}

/** A completed job with result rows of both kinds. */
export function completedJob(corpId: string, jobId: string): JobRecord {
  return {
    ...pendingJob(corpId, jobId),
    status: 'completed',
    callback: { jobType: 'sync_user', errCode: 0, errMsg: 'ok', receivedAt: 1_700_000_060_000 },
    completion: {
      errCode: 0,
      errMsg: 'ok',
      source: 'callback',
      completedAt: 1_700_000_061_000,
      failedRows: 1,
      result: [
        { userid: 'zhangsan', errcode: 0, errmsg: 'ok' },
        {
          partyid: 2,
          action: 5,
          actions: { created: true, renamed: false, moved: true, reordered: false },
          errcode: 60123,
          errmsg: '无效的部门id — "quoted", 逗号',
        },
      ],
    },
  };
}

/** Collects messages; `next()` resolves the next unread one (or fails after 2 s). */
export function inbox() {
  const messages: string[] = [];
  let read = 0;
  let wake: (() => void) | undefined;
  const arrived = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  const wait = async (count: number): Promise<void> => {
    const deadline = Date.now() + 2000;
    while (messages.length < count) {
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(`expected ${count} messages, got ${messages.length}: ${JSON.stringify(messages)}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([arrived(), new Promise((resolve) => (timer = setTimeout(resolve, remaining)))]);
      clearTimeout(timer);
    }
  };
  return {
    messages,
    handler: (message: string): void => {
      messages.push(message);
      wake?.();
    },
    waitFor: wait,
    async next(): Promise<string> {
      await wait(read + 1);
      return messages[read++];
    },
  };
}

/** A unique, readable name for a test's namespace. */
export function uniqueName(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

function ids(records: JobRecord[]): string[] {
  return records.map((r) => r.jobId).sort();
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
