import { describe, expect, it } from '@jest/globals';
import { WeComLockTimeoutError } from '../../errors/wecom-lock-timeout.error.js';
import { MemoryStore } from '../../stores/memory.store.js';
import { STORE_KEYS } from '../../stores/store-keys.js';
import { resolveWeComBatchOptions } from '../../wecom-batch-options.resolver.js';
import { JobRecords } from './job-records.service.js';

const CORP = 'wwcorp0001';
const options = resolveWeComBatchOptions({ corpId: CORP, corpSecret: 'secret' });
const callback = {
  corpId: CORP,
  jobId: 'job-r',
  jobType: 'sync_user' as const,
  errCode: 0,
  errMsg: 'ok',
  createTime: 1_700_000_000,
};

describe('JobRecords', () => {
  it('a record lock held elsewhere fails the write with WeComLockTimeoutError, after waiting, having written nothing', async () => {
    const store = new MemoryStore();
    const lock = STORE_KEYS.jobRecordLock(CORP, 'job-r');
    await store.acquireLock(lock, 60_000);
    const records = new JobRecords(options, store);
    const started = Date.now();
    const error = await records.recordCallback(callback, true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeComLockTimeoutError);
    expect(error).toMatchObject({ lock, waitedMs: 3_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
    expect(await store.getJob(CORP, 'job-r')).toBeNull();
  });

  it('releases the record lock after each write', async () => {
    const store = new MemoryStore();
    const records = new JobRecords(options, store);
    expect(await records.recordCallback(callback)).toBe('unknown');
    expect(await records.recordCallback(callback, true)).toBe('follow');
    expect(await store.acquireLock(STORE_KEYS.jobRecordLock(CORP, 'job-r'), 1_000)).not.toBeNull();
    expect((await store.getJob(CORP, 'job-r'))?.callback).toMatchObject({ errCode: 0, errMsg: 'ok' });
  });

  it('a submission registered after its callback keeps what the callback recorded', async () => {
    const store = new MemoryStore();
    const records = new JobRecords(options, store);
    await records.recordCallback(callback, true);
    await records.recordSubmission({
      corpId: CORP,
      jobId: 'job-r',
      jobType: 'sync_user',
      mediaId: 'm1',
      submittedAt: Date.now(),
      status: 'pending',
    });
    expect(await store.getJob(CORP, 'job-r')).toMatchObject({ mediaId: 'm1', callback: { errCode: 0 } });
  });
});
