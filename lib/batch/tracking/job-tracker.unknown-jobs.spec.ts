import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { WeComSubmissionUncertainError } from '../../errors/wecom-submission-uncertain.error.js';
import type { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import { WECOM_BATCH_EVENTS } from '../../events/wecom-batch.events.js';
import type { BatchJobResult, TrackedJobType } from '../../model/batch-job.types.js';
import { MemoryStore } from '../../stores/memory.store.js';
import type { WeComBatchModuleOptions } from '../../wecom-batch.options.js';
import { resolveWeComBatchOptions } from '../../wecom-batch-options.resolver.js';
import type { BatchJobResultCallback } from './batch-job-callback.types.js';
import { MAX_UNKNOWN_JOBS_FOLLOWED, type JobTracker } from './job-tracker.service.js';
import { createJobTracker } from './tracking.providers.js';
import type { JobResultFetcher } from './tracking.types.js';

// The unknown-job allowance of JobTracker.acceptCallback: a signed callback for a job with no record costs no
// getresult, unless this instance submitted the job itself (record lost), a submission of that job type was
// uncertain, or `callbackFollowUnknownJobs` is on (capped, released when the job settles).

const CORP = 'wwcorp0001';
const CALLBACK = { url: 'http://127.0.0.1:1/cb', token: 'tok', encodingAESKey: 'a'.repeat(43) };

/** getresult by job id: `running` until `finish(jobId)`, and which job ids were asked for. */
class JobsFetcher implements JobResultFetcher {
  readonly asked = new Set<string>();
  private readonly finished = new Set<string>();
  finish(jobId: string): void {
    this.finished.add(jobId);
  }
  async getResult(jobId: string): Promise<BatchJobResult> {
    this.asked.add(jobId);
    const done = this.finished.has(jobId);
    return { jobId, status: done ? 3 : 2, type: 'sync_user', total: 1, percentage: done ? 100 : 10, result: [] };
  }
}

function callback(jobId: string, jobType: TrackedJobType = 'sync_user'): BatchJobResultCallback {
  return { corpId: CORP, jobId, jobType, errCode: 0, errMsg: 'ok', createTime: Math.floor(Date.now() / 1000) };
}

const open: JobTracker[] = [];

async function instance(overrides: Partial<WeComBatchModuleOptions> = {}) {
  const store = new MemoryStore();
  const fetcher = new JobsFetcher();
  const options = resolveWeComBatchOptions({
    corpId: CORP,
    corpSecret: 'secret',
    callback: CALLBACK,
    fetchResults: true,
    polling: { callbackGraceMs: 10_000, initialIntervalMs: 5, maxIntervalMs: 20, timeoutMs: 5_000 },
    ...overrides,
  });
  const emitter = new EventEmitter2();
  const completed: BatchJobCompletedEvent[] = [];
  emitter.on(WECOM_BATCH_EVENTS.JOB_COMPLETED, (event: BatchJobCompletedEvent) => completed.push(event));
  const tracker = createJobTracker(options, store, emitter, fetcher);
  await tracker.onApplicationBootstrap();
  open.push(tracker);
  return { tracker, store, fetcher, completed };
}

/** Polls run every few ms: long enough for a followed job to have asked getresult. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 60));

beforeAll(() => Logger.overrideLogger(false));

afterEach(async () => {
  await Promise.all(open.splice(0).map((tracker) => tracker.onModuleDestroy()));
});

describe('JobTracker — callbacks for jobs with no record', () => {
  it('follows a job this instance submitted whose record was lost; ignores any other', async () => {
    const { tracker, store, fetcher, completed } = await instance();
    // The store is down while the submission's record is saved: the job exists in WeCom, its record does not.
    const saveJob = store.saveJob.bind(store);
    store.saveJob = () => Promise.reject(new Error('store down'));
    await tracker.registerSubmission({
      corpId: CORP,
      jobId: 'lost',
      jobType: 'sync_user',
      submittedAt: Date.now(),
      status: 'pending',
    });
    store.saveJob = saveJob;
    expect(await store.getJob(CORP, 'lost')).toBeNull();

    fetcher.finish('lost');
    await expect(tracker.acceptCallback(callback('lost'))).resolves.toBe('unknown_followed');
    await expect(tracker.waitForJob('lost', 2_000)).resolves.toMatchObject({ jobId: 'lost', source: 'callback' });
    await expect(tracker.acceptCallback(callback('stranger'))).resolves.toBe('unknown_ignored');
    await settle();
    expect([...fetcher.asked]).toEqual(['lost']);
    expect(completed.map((event) => event.jobId)).toEqual(['lost']);
    expect(await store.getJob(CORP, 'stranger')).toBeNull();
  });

  it('after an uncertain submission, follows the next unknown job of that type once, within polling.timeoutMs', async () => {
    const { tracker, fetcher, completed } = await instance({
      polling: { callbackGraceMs: 10_000, initialIntervalMs: 5, maxIntervalMs: 20, timeoutMs: 300 },
    });
    const uncertain = new WeComSubmissionUncertainError(CORP, 'sync_user', 'media-1', { cause: new Error('reset') });
    await expect(tracker.submitting('sync_user', () => Promise.reject(uncertain))).rejects.toBe(uncertain);
    // Another failure opens no allowance.
    await expect(tracker.submitting('sync_user', () => Promise.reject(new Error('refused')))).rejects.toThrow();

    // Another job type does not use the allowance.
    await expect(tracker.acceptCallback(callback('party-job', 'replace_party'))).resolves.toBe('unknown_ignored');
    fetcher.finish('the-uncertain-one');
    await expect(tracker.acceptCallback(callback('the-uncertain-one'))).resolves.toBe('unknown_followed');
    await expect(tracker.waitForJob('the-uncertain-one', 2_000)).resolves.toMatchObject({ source: 'callback' });
    // One allowance per uncertain submission: the next unknown sync_user job is ignored.
    await expect(tracker.acceptCallback(callback('next-one'))).resolves.toBe('unknown_ignored');

    // An allowance not used within polling.timeoutMs lapses.
    await expect(tracker.submitting('sync_user', () => Promise.reject(uncertain))).rejects.toBe(uncertain);
    await new Promise((resolve) => setTimeout(resolve, 350));
    await expect(tracker.acceptCallback(callback('too-late'))).resolves.toBe('unknown_ignored');

    await settle();
    expect([...fetcher.asked]).toEqual(['the-uncertain-one']);
    expect(completed.map((event) => event.jobId)).toEqual(['the-uncertain-one']);
  });

  it('with callbackFollowUnknownJobs: follows up to the cap, asks nothing for jobs over it, frees a place on settling', async () => {
    const { tracker, store, fetcher, completed } = await instance({ callbackFollowUnknownJobs: true });
    for (let i = 0; i < MAX_UNKNOWN_JOBS_FOLLOWED; i++) {
      await expect(tracker.acceptCallback(callback(`u-${i}`))).resolves.toBe('unknown_followed');
    }
    await expect(tracker.acceptCallback(callback('over'))).resolves.toBe('unknown_over_cap');
    await settle();
    expect(fetcher.asked.size).toBe(MAX_UNKNOWN_JOBS_FOLLOWED);
    expect(fetcher.asked.has('over')).toBe(false);
    expect(await store.getJob(CORP, 'over')).toBeNull();

    // u-0 completes: its place is released, and WeCom's retry of the refused delivery is now followed.
    fetcher.finish('u-0');
    await expect(tracker.waitForJob('u-0', 2_000)).resolves.toMatchObject({ jobId: 'u-0' });
    await expect(tracker.acceptCallback(callback('over'))).resolves.toBe('unknown_followed');
    await expect(tracker.acceptCallback(callback('one-more'))).resolves.toBe('unknown_over_cap');
    fetcher.finish('over');
    await expect(tracker.waitForJob('over', 2_000)).resolves.toMatchObject({ source: 'callback' });
    expect(completed.map((event) => event.jobId)).toEqual(['u-0', 'over']);
  });

  it('a job this instance submitted is followed even with the cap of unknown jobs reached', async () => {
    const { tracker, store, fetcher } = await instance({ callbackFollowUnknownJobs: true });
    for (let i = 0; i < MAX_UNKNOWN_JOBS_FOLLOWED; i++) await tracker.acceptCallback(callback(`u-${i}`));
    const saveJob = store.saveJob.bind(store);
    store.saveJob = () => Promise.reject(new Error('store down'));
    await tracker.registerSubmission({
      corpId: CORP,
      jobId: 'ours',
      jobType: 'sync_user',
      submittedAt: Date.now(),
      status: 'pending',
    });
    store.saveJob = saveJob;
    fetcher.finish('ours');
    await expect(tracker.acceptCallback(callback('ours'))).resolves.toBe('unknown_followed');
    await expect(tracker.waitForJob('ours', 2_000)).resolves.toMatchObject({ source: 'callback' });
  });
});
