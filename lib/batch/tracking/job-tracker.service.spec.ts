import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { lastValueFrom, toArray } from 'rxjs';
import { WeComJobTimeoutError } from '../../errors/wecom-job-timeout.error.js';
import type { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import { WECOM_BATCH_EVENTS } from '../../events/wecom-batch.events.js';
import type { BatchJobResult } from '../../model/batch-job.types.js';
import { MemoryStore } from '../../stores/memory.store.js';
import type { WeComBatchStore } from '../../stores/wecom-batch-store.interface.js';
import { type WeComBatchModuleOptions } from '../../wecom-batch.options.js';
import { resolveWeComBatchOptions } from '../../wecom-batch-options.resolver.js';
import type { BatchJobResultCallback } from './batch-job-callback.types.js';
import { MAX_UNKNOWN_JOBS_FOLLOWED, type JobTracker } from './job-tracker.service.js';
import { createJobTracker } from './tracking.providers.js';
import type { JobResultFetcher } from './tracking.types.js';

const CORP = 'wwcorp0001';
const CALLBACK = { url: 'http://127.0.0.1:1/cb', token: 'tok', encodingAESKey: 'a'.repeat(43) };

/** A scripted getresult: each call takes the next answer (the last one repeats). */
class ScriptedFetcher implements JobResultFetcher {
  calls = 0;
  constructor(private readonly answers: Array<BatchJobResult | Error>) {}
  async getResult(): Promise<BatchJobResult> {
    const answer = this.answers[Math.min(this.calls++, this.answers.length - 1)];
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

function apiError(errcode: number): Error {
  return Object.assign(new Error(`errcode ${errcode}`), { errcode, retryable: false });
}

function done(jobId: string, rows: BatchJobResult['result'] = []): BatchJobResult {
  return { jobId, status: 3, type: 'sync_user', total: rows.length, percentage: 100, result: rows };
}

function running(jobId: string, percentage: number): BatchJobResult {
  return { jobId, status: 2, type: 'sync_user', total: 10, percentage, result: [] };
}

function callback(jobId: string, errCode = 0): BatchJobResultCallback {
  return {
    corpId: CORP,
    jobId,
    jobType: 'sync_user',
    errCode,
    errMsg: errCode ? 'failed' : 'ok',
    createTime: 1_700_000_000,
  };
}

/** Registers `jobId` as submitted by this module (a callback for a job with no record is not followed). */
function submitted(tracker: JobTracker, jobId: string): Promise<void> {
  return tracker.registerSubmission({
    corpId: CORP,
    jobId,
    jobType: 'sync_user',
    submittedAt: Date.now(),
    status: 'pending',
  });
}

interface Instance {
  tracker: JobTracker;
  events: Array<{ name: string; event: BatchJobCompletedEvent }>;
}

const open: JobTracker[] = [];

async function instance(
  store: WeComBatchStore,
  fetcher: JobResultFetcher,
  overrides: Partial<WeComBatchModuleOptions> = {},
): Promise<Instance> {
  const options = resolveWeComBatchOptions({
    corpId: CORP,
    corpSecret: 'secret',
    callback: CALLBACK,
    fetchResults: false,
    polling: { callbackGraceMs: 10_000, initialIntervalMs: 5, maxIntervalMs: 20, timeoutMs: 5_000 },
    ...overrides,
  });
  const emitter = new EventEmitter2();
  const events: Instance['events'] = [];
  for (const name of [WECOM_BATCH_EVENTS.JOB_COMPLETED, WECOM_BATCH_EVENTS.JOB_FAILED]) {
    emitter.on(name, (event: BatchJobCompletedEvent) => events.push({ name, event }));
  }
  const tracker = createJobTracker(options, store, emitter, fetcher);
  await tracker.onApplicationBootstrap();
  open.push(tracker);
  return { tracker, events };
}

beforeAll(() => Logger.overrideLogger(false));

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.onModuleDestroy()));
});

describe('JobTracker', () => {
  it('turns a callback delivered 3× concurrently, then again, into exactly one completed event', async () => {
    const { tracker, events } = await instance(new MemoryStore(), new ScriptedFetcher([apiError(-999)]));
    await submitted(tracker, 'job-1');
    const waiting = tracker.waitForJob('job-1');
    await Promise.all([1, 2, 3].map(() => tracker.acceptCallback(callback('job-1'))));
    const event = await waiting;
    await tracker.acceptCallback(callback('job-1'));
    await new Promise((r) => setTimeout(r, 50));
    expect(events.map((e) => e.name)).toEqual([WECOM_BATCH_EVENTS.JOB_COMPLETED]);
    expect(event).toMatchObject({
      corpId: CORP,
      jobId: 'job-1',
      jobType: 'sync_user',
      errCode: 0,
      errMsg: 'ok',
      source: 'callback',
      failedRows: 0,
    });
    expect(event.result).toBeUndefined();
  });

  it('fetches and persists the rows once, and emits failed when a row failed', async () => {
    const store = new MemoryStore();
    const rows = [
      { userid: 'zhangsan', errcode: 0, errmsg: 'ok' },
      { userid: 'lisi', errcode: 60104, errmsg: 'mobile existed' },
    ];
    const fetcher = new ScriptedFetcher([done('job-2', rows)]);
    const { tracker, events } = await instance(store, fetcher, { fetchResults: true });
    await submitted(tracker, 'job-2');
    await tracker.acceptCallback(callback('job-2'));
    const event = await tracker.waitForJob('job-2');
    expect(event).toMatchObject({ source: 'callback', failedRows: 1, result: rows });
    expect(events.map((e) => e.name)).toEqual([WECOM_BATCH_EVENTS.JOB_COMPLETED, WECOM_BATCH_EVENTS.JOB_FAILED]);
    expect(fetcher.calls).toBe(1);
    expect((await store.getJob(CORP, 'job-2'))?.completion?.result).toEqual(rows);
  });

  it('a job-level ErrCode ≠ 0 emits completed then failed', async () => {
    const { tracker, events } = await instance(new MemoryStore(), new ScriptedFetcher([done('job-3')]));
    await submitted(tracker, 'job-3');
    await tracker.acceptCallback(callback('job-3', 45026));
    const event = await tracker.waitForJob('job-3');
    expect(event.errCode).toBe(45026);
    expect(events.map((e) => e.name)).toEqual([WECOM_BATCH_EVENTS.JOB_COMPLETED, WECOM_BATCH_EVENTS.JOB_FAILED]);
  });

  it('completes by polling when no callback comes', async () => {
    const fetcher = new ScriptedFetcher([
      running('job-4', 10),
      running('job-4', 60),
      done('job-4', [{ userid: 'a', errcode: 0, errmsg: 'ok' }]),
    ]);
    const { tracker, events } = await instance(new MemoryStore(), fetcher, { callback: undefined, fetchResults: true });
    tracker.track('job-4');
    const event = await tracker.waitForJob('job-4');
    expect(event).toMatchObject({ jobId: 'job-4', source: 'poll', errCode: 0, failedRows: 0 });
    expect(event.result).toHaveLength(1);
    expect(fetcher.calls).toBe(3);
    expect(events).toHaveLength(1);
  });

  it('keeps polling through transient errors', async () => {
    const transient = Object.assign(new Error('busy'), { errcode: -1, retryable: true });
    const fetcher = new ScriptedFetcher([transient, transient, done('job-5')]);
    const { tracker } = await instance(new MemoryStore(), fetcher, { callback: undefined });
    tracker.track('job-5');
    await expect(tracker.waitForJob('job-5')).resolves.toMatchObject({ jobId: 'job-5', source: 'poll' });
  });

  it('two instances on one store: callbacks on both → one event; waitForJob on A resolves when B completes', async () => {
    const store = new MemoryStore();
    const a = await instance(store, new ScriptedFetcher([running('job-6', 5)]));
    const b = await instance(store, new ScriptedFetcher([running('job-6', 5)]));
    await submitted(a.tracker, 'job-6');
    const waitingOnA = a.tracker.waitForJob('job-6');
    await Promise.all([
      b.tracker.acceptCallback(callback('job-6')),
      b.tracker.acceptCallback(callback('job-6')),
      a.tracker.acceptCallback(callback('job-6')),
    ]);
    const event = await waitingOnA;
    await new Promise((r) => setTimeout(r, 50));
    expect(event.jobId).toBe('job-6');
    expect(a.events.length + b.events.length).toBe(1);
  });

  it('resumes a job left pending by a previous instance, once, when several instances boot together', async () => {
    const store = new MemoryStore();
    await store.saveJob(
      { corpId: CORP, jobId: 'job-7', jobType: 'replace_party', submittedAt: Date.now(), status: 'pending' },
      60_000,
    );
    const [a, b] = await Promise.all([
      instance(store, new ScriptedFetcher([done('job-7')]), { callback: undefined }),
      instance(store, new ScriptedFetcher([done('job-7')]), { callback: undefined }),
    ]);
    const event = await a.tracker.waitForJob('job-7');
    await new Promise((r) => setTimeout(r, 50));
    expect(event).toMatchObject({ jobId: 'job-7', jobType: 'replace_party', source: 'poll' });
    expect(a.events.length + b.events.length).toBe(1);
  });

  it('waitForJob rejects with WeComJobTimeoutError after its timeout', async () => {
    const { tracker } = await instance(new MemoryStore(), new ScriptedFetcher([running('job-8', 1)]), {
      callback: undefined,
    });
    const error = await tracker.waitForJob('job-8', 60).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeComJobTimeoutError);
    expect(error).toMatchObject({ jobId: 'job-8', timeoutMs: 60 });
  });

  it('an unknown job (40088) rejects waitForJob with the WeCom error instead of polling forever', async () => {
    const fetcher = new ScriptedFetcher([apiError(40088)]);
    const { tracker } = await instance(new MemoryStore(), fetcher, { callback: undefined });
    await expect(tracker.waitForJob('nope')).rejects.toMatchObject({ errcode: 40088 });
    expect(fetcher.calls).toBe(1);
  });

  it('results already cleaned by WeCom (40089) complete the job without rows', async () => {
    const { tracker, events } = await instance(new MemoryStore(), new ScriptedFetcher([apiError(40089)]), {
      callback: undefined,
      fetchResults: true,
    });
    tracker.track('job-9');
    const event = await tracker.waitForJob('job-9');
    expect(event.result).toBeUndefined();
    expect(events).toHaveLength(1);
  });

  it('watchJob reports progress and ends with the completed payload', async () => {
    const fetcher = new ScriptedFetcher([running('job-10', 20), running('job-10', 70), done('job-10')]);
    const { tracker } = await instance(new MemoryStore(), fetcher, { callback: undefined });
    const reports = await lastValueFrom(tracker.watchJob('job-10').pipe(toArray()));
    const last = reports[reports.length - 1];
    expect(last).toMatchObject({ jobId: 'job-10', status: 3, percentage: 100 });
    expect(last.completed?.jobId).toBe('job-10');
    expect(reports.slice(0, -1).every((r) => r.status !== 3 && r.completed === undefined)).toBe(true);
    expect(reports.some((r) => r.percentage === 20 || r.percentage === 70)).toBe(true);
  });

  it('a delivery whose dedup mark was written but whose answer failed is recorded by the retry', async () => {
    const store = new MemoryStore();
    const { tracker, events } = await instance(store, new ScriptedFetcher([done('job-12')]));
    await submitted(tracker, 'job-12');
    const setOnce = store.setOnce.bind(store);
    store.setOnce = async (key, ttl) => {
      await setOnce(key, ttl); // applied at the store, but the reply is lost
      throw new Error('timed out');
    };
    await expect(tracker.acceptCallback(callback('job-12'))).rejects.toThrow('timed out');
    store.setOnce = setOnce;
    await tracker.acceptCallback(callback('job-12'));
    await expect(tracker.waitForJob('job-12')).resolves.toMatchObject({ source: 'callback' });
    expect(events).toHaveLength(1);
  });

  it('the store being down makes acceptCallback reject (the controller answers non-200)', async () => {
    const store = new MemoryStore();
    const { tracker, events } = await instance(store, new ScriptedFetcher([done('job-11')]));
    await submitted(tracker, 'job-11');
    store.acquireLock = () => Promise.reject(new Error('store down'));
    await expect(tracker.acceptCallback(callback('job-11'))).rejects.toThrow('store down');
    expect(events).toHaveLength(0);
  });

  it('a signed callback for a job with no record is acknowledged without a getresult, and nothing is written', async () => {
    const store = new MemoryStore();
    const fetcher = new ScriptedFetcher([done('stranger')]);
    const { tracker, events } = await instance(store, fetcher, { fetchResults: true });
    await expect(tracker.acceptCallback(callback('stranger'))).resolves.toBe('unknown_ignored');
    await new Promise((r) => setTimeout(r, 50));
    expect(fetcher.calls).toBe(0);
    expect(events).toHaveLength(0);
    expect(await store.getJob(CORP, 'stranger')).toBeNull();
  });

  it('a callback that overtakes the record of a submission in flight waits for it, and completes the job', async () => {
    const { tracker, events } = await instance(new MemoryStore(), new ScriptedFetcher([done('fast')]));
    const end = tracker.beginSubmission();
    const accepted = tracker.acceptCallback(callback('fast'));
    await new Promise((r) => setTimeout(r, 30));
    await submitted(tracker, 'fast');
    end();
    await expect(accepted).resolves.toBe('followed');
    await expect(tracker.waitForJob('fast')).resolves.toMatchObject({ source: 'callback' });
    expect(events).toHaveLength(1);
  });

  it('with callbackFollowUnknownJobs, follows jobs with no record — at most MAX_UNKNOWN_JOBS_FOLLOWED at once', async () => {
    const fetcher = new ScriptedFetcher([running('x', 1)]);
    const { tracker } = await instance(new MemoryStore(), fetcher, {
      callbackFollowUnknownJobs: true,
      fetchResults: true,
    });
    const outcomes = [];
    for (let i = 0; i < MAX_UNKNOWN_JOBS_FOLLOWED + 5; i++)
      outcomes.push(await tracker.acceptCallback(callback(`u-${i}`)));
    expect(outcomes.filter((o) => o === 'unknown_followed')).toHaveLength(MAX_UNKNOWN_JOBS_FOLLOWED);
    expect(outcomes.slice(-5)).toEqual(Array(5).fill('unknown_over_cap'));
    // A retry of one already followed is still followed (not counted twice).
    await expect(tracker.acceptCallback(callback('u-0'))).resolves.toBe('followed');
  });

  it('completed duplicates cost one store read: no lock, no mark', async () => {
    const store = new MemoryStore();
    const { tracker } = await instance(store, new ScriptedFetcher([done('dup')]));
    await submitted(tracker, 'dup');
    await tracker.acceptCallback(callback('dup'));
    await tracker.waitForJob('dup');
    let writes = 0;
    store.acquireLock = async () => {
      writes++;
      return null;
    };
    store.setOnce = async () => {
      writes++;
      return false;
    };
    await expect(tracker.acceptCallback(callback('dup'))).resolves.toBe('duplicate');
    expect(writes).toBe(0);
  });
});
