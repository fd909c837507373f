import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { Observable, Subject, filter, firstValueFrom } from 'rxjs';
import { WeComJobTimeoutError } from '../errors/wecom-job-timeout.error.js';
import { BatchJobCompletedEvent } from '../events/batch-job-completed.event.js';
import type { BatchJobType } from '../model/batch-job.types.js';
import { WECOM_BATCH_EVENTS } from '../events/wecom-batch.events.js';
import { freezeDeep } from '../internal/freeze-deep.util.js';
import type { JobCompletionInfo, JobRecord, WeComBatchStore } from '../stores/wecom-batch-store.interface.js';
import {
  WECOM_BATCH_EMITTER,
  WECOM_BATCH_RESOLVED_OPTIONS,
  WECOM_BATCH_RESULT_FETCHER,
  WECOM_BATCH_STORE,
} from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import type { BatchJobResultCallback } from './batch-job-callback.js';
import type { BatchJobResult } from '../model/batch-job.types.js';
import type { BatchJobProgress, JobResultFetcher } from './batch-result.types.js';
import { withStoreLock } from './store-lock.js';

/** Lease of the "I am completing this job" lock: long enough for a slow getresult with retries. */
const COMPLETE_LEASE_MS = 120_000;
/** Short lock around read-modify-write of one job record. */
const RECORD_LOCK = { ttlMs: 5_000, waitMs: 3_000 };
/**
 * How often every instance looks for pending jobs nobody follows (their instance crashed and was not replaced).
 * Following a job on several instances is harmless: the completion lease decides who emits.
 */
const SWEEP_EVERY_MS = 60_000;
/** errcodes of getresult that end tracking: 40088 jobid不存在, 40089 results cleaned (only the last 5 are kept). */
const UNKNOWN_JOB = 40088;
const RESULTS_CLEANED = 40089;

interface TrackedJob {
  jobId: string;
  startedAt: number;
  interval: number;
  timer?: NodeJS.Timeout;
  polling: boolean;
  onSettled: Array<() => void>;
}

interface TrackingFailure {
  jobId: string;
  error: unknown;
}

/**
 * Follows every job from submission to completion, whichever way completion is learnt: WeCom's
 * `batch_job_result` callback (primary) or `batch/getresult` polling (fallback, and the only way without a
 * callback). On completion it fetches the result rows once, persists them with the job record, and emits
 * `wecom.batch.job.completed` exactly once cluster-wide (a completion lease plus the record's status decide who
 * emits), then `wecom.batch.job.failed` when the job or a row failed.
 */
@Injectable()
export class JobTracker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(JobTracker.name);
  private readonly tracked = new Map<string, TrackedJob>();
  private readonly completions = new Subject<BatchJobCompletedEvent>();
  private readonly failures = new Subject<TrackingFailure>();
  /** Jobs this instance stopped following for good (timed out, unknown to WeCom): the sweep leaves them alone. */
  private readonly abandoned = new Set<string>();
  private sweep?: NodeJS.Timeout;
  private unsubscribe?: () => Promise<void>;
  private closed = false;

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(WECOM_BATCH_STORE) private readonly store: WeComBatchStore,
    @Inject(WECOM_BATCH_EMITTER) private readonly emitter: EventEmitter2,
    @Inject(WECOM_BATCH_RESULT_FETCHER) private readonly fetcher: JobResultFetcher,
  ) {}

  private get corpId(): string {
    return this.options.corpId;
  }

  private get channel(): string {
    return `jobs-completed:${this.corpId}`;
  }

  private get jobTtlMs(): number {
    return this.options.jobRecordTtlSeconds * 1000;
  }

  /**
   * Listens for completions on other instances, resumes jobs left pending by a restart or a crash, and from then
   * on sweeps the store for pending jobs nobody follows.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      this.unsubscribe = await this.store.subscribe(this.channel, (jobId) => void this.onCompletedElsewhere(jobId));
    } catch (error) {
      // Not fatal: trackers also re-read the job record on every poll, so a missed notification only delays.
      this.logger.error(`cannot subscribe to job completions: ${describe(error)}`);
    }
    if (this.options.resumePendingJobs) {
      await this.resumePendingJobs();
      this.sweep = setInterval(() => void this.resumePendingJobs(), SWEEP_EVERY_MS);
      this.sweep.unref();
    }
  }

  /**
   * Stops polling and listening (before the module closes the store at application shutdown); pending jobs
   * stay pending in the store and are resumed by the next instance.
   */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweep);
    for (const job of this.tracked.values()) this.settle(job.jobId);
    this.completions.complete();
    this.failures.complete();
    await this.unsubscribe?.().catch(() => undefined);
  }

  /**
   * Records a verified `batch_job_result` callback durably, then makes sure the job completes. Called by the
   * callback pipeline before it answers WeCom: if this rejects (store down), WeCom must get a non-200 so it
   * delivers again. Deduplicated by (corpId, JobId): retries of a delivery never complete a job twice.
   */
  async acceptCallback(callback: BatchJobResultCallback): Promise<void> {
    const { corpId, jobId } = callback;
    // Dedup mark first (SET NX): WeCom's retries and concurrent copies of a delivery stop here cheaply.
    if (!(await this.store.setOnce(`callback:${corpId}:${jobId}`, this.jobTtlMs))) {
      const record = await this.store.getJob(corpId, jobId);
      if (record?.status === 'completed') return;
      if (record?.callback) {
        // Recorded by an earlier delivery. Follow it here too: that delivery may have failed (non-200) after
        // its writes went through, and then nobody else would.
        this.track(jobId, { delayMs: 0 });
        return;
      }
      // Marked but not recorded: an earlier attempt died between the two writes. Record it now.
    }
    const completed = await withStoreLock(this.store, recordLock(corpId, jobId), RECORD_LOCK, async () => {
      const record = await this.store.getJob(corpId, jobId);
      if (record?.status === 'completed') return true;
      if (record?.callback) return false;
      const next: JobRecord = {
        // A job this app did not submit (or whose record expired): tracked all the same, so its result is kept.
        ...(record ?? {
          corpId,
          jobId,
          jobType: callback.jobType,
          submittedAt: callback.createTime * 1000,
          status: 'pending',
        }),
        callback: {
          jobType: callback.jobType,
          errCode: callback.errCode,
          errMsg: callback.errMsg,
          receivedAt: Date.now(),
        },
      };
      await this.store.saveJob(next, this.jobTtlMs);
      return false;
    });
    // Completion runs after the ACK: the pipeline answers WeCom as soon as this returns.
    if (!completed) this.track(jobId, { delayMs: 0 });
  }

  /**
   * Persists the record of a job this instance just submitted and starts following it. A callback (or even the
   * completion) may already have been recorded by a fast WeCom: what it wrote is kept. A store failure is
   * logged, not thrown — the job exists in WeCom either way, and it is still followed in memory.
   */
  async registerSubmission(record: JobRecord, onSettled?: () => void): Promise<void> {
    const { corpId, jobId } = record;
    try {
      await withStoreLock(this.store, recordLock(corpId, jobId), RECORD_LOCK, async () => {
        const current = await this.store.getJob(corpId, jobId);
        const next: JobRecord = current
          ? { ...record, status: current.status, callback: current.callback, completion: current.completion }
          : record;
        await this.store.saveJob(next, this.jobTtlMs);
      });
    } catch (error) {
      this.logger.error(`job ${jobId} was submitted but its record could not be saved: ${describe(error)}`);
    }
    this.track(jobId, { onSettled });
  }

  /**
   * Starts following a submitted job on this instance (idempotent). With a callback configured, polling starts
   * after `polling.callbackGraceMs`; without one, after `polling.initialIntervalMs`. `onSettled` runs once when
   * this instance stops following it (completed anywhere, tracking failed, timed out, or shutdown).
   */
  track(jobId: string, options: { delayMs?: number; onSettled?: () => void } = {}): void {
    const { polling } = this.options;
    const delayMs = options.delayMs ?? (this.options.callback ? polling.callbackGraceMs : polling.initialIntervalMs);
    const existing = this.tracked.get(jobId);
    if (existing) {
      if (options.onSettled) existing.onSettled.push(options.onSettled);
      if (delayMs === 0 && !existing.polling) this.schedule(existing, 0);
      return;
    }
    if (this.closed) {
      options.onSettled?.();
      return;
    }
    const job: TrackedJob = {
      jobId,
      startedAt: Date.now(),
      interval: polling.initialIntervalMs,
      polling: false,
      onSettled: options.onSettled ? [options.onSettled] : [],
    };
    this.tracked.set(jobId, job);
    this.schedule(job, delayMs);
  }

  /**
   * Resolves with the completed-event payload of `jobId` (from the callback, or from polling when no callback
   * comes), also when another instance completes it. Rejects with `WeComJobTimeoutError` after `timeoutMs`, or
   * with the error that made tracking impossible (unknown job 40088, a configuration error).
   */
  async waitForJob(jobId: string, timeoutMs: number = this.options.polling.timeoutMs): Promise<BatchJobCompletedEvent> {
    // Subscribe before reading the record, so a completion between the two is not missed.
    let timer: NodeJS.Timeout | undefined;
    const completed = firstValueFrom(this.completions.pipe(filter((e) => e.jobId === jobId)));
    const failed = firstValueFrom(this.failures.pipe(filter((f) => f.jobId === jobId))).then((f) => {
      throw f.error;
    });
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WeComJobTimeoutError(jobId, timeoutMs)), timeoutMs);
    });
    // The losers of the race must not surface as unhandled rejections.
    completed.catch(() => undefined);
    failed.catch(() => undefined);
    timedOut.catch(() => undefined);
    try {
      const record = await this.store.getJob(this.corpId, jobId);
      if (record?.status === 'completed') return eventFromRecord(record);
      this.track(jobId, record?.callback ? { delayMs: 0 } : {});
      return await Promise.race([completed, failed, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Progress of `jobId` polled from `batch/getresult` (best effort), ending with a report that carries the
   * completed-event payload. Errors with what `waitForJob` rejects with.
   */
  watchJob(jobId: string, timeoutMs: number = this.options.polling.timeoutMs): Observable<BatchJobProgress> {
    return new Observable<BatchJobProgress>((subscriber) => {
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      let last: BatchJobResult | undefined;
      // Ends a getresult still in flight when the watcher unsubscribes or the job completes.
      const inFlight = new AbortController();
      const { initialIntervalMs, maxIntervalMs } = this.options.polling;
      const tick = async (interval: number): Promise<void> => {
        if (stopped) return;
        try {
          const result = await this.fetcher.getResult(jobId, inFlight.signal);
          if (stopped) return;
          last = result;
          if (result.status === 3) {
            // Hand the finished result to the tracker rather than waiting for its next poll.
            this.track(jobId, { delayMs: 0 });
            return;
          }
          subscriber.next({ jobId, status: result.status, percentage: result.percentage, total: result.total });
        } catch (error) {
          this.logger.debug(`progress of job ${jobId} unavailable: ${describe(error)}`);
        }
        timer = setTimeout(() => void tick(Math.min(interval * 2, maxIntervalMs)), interval);
      };
      this.waitForJob(jobId, timeoutMs).then(
        (event) => {
          if (stopped) return;
          subscriber.next({
            jobId,
            status: 3,
            percentage: 100,
            total: last?.total ?? event.result?.length ?? 0,
            completed: event,
          });
          subscriber.complete();
        },
        (error: unknown) => subscriber.error(error),
      );
      void tick(initialIntervalMs);
      return () => {
        stopped = true;
        clearTimeout(timer);
        inFlight.abort();
      };
    });
  }

  private schedule(job: TrackedJob, delayMs: number): void {
    clearTimeout(job.timer);
    job.timer = setTimeout(() => void this.poll(job), delayMs);
  }

  private async poll(job: TrackedJob): Promise<void> {
    if (this.closed || this.tracked.get(job.jobId) !== job || job.polling) return;
    job.polling = true;
    try {
      await this.pollOnce(job);
    } catch (error) {
      await this.onPollError(job, error);
    } finally {
      job.polling = false;
    }
    // Still ours and not settled (e.g. another instance holds the completion lease): look again later.
    if (this.tracked.get(job.jobId) === job) {
      job.interval = Math.min(job.interval * 2, this.options.polling.maxIntervalMs);
      this.schedule(job, job.interval);
    }
  }

  private async pollOnce(job: TrackedJob): Promise<void> {
    if (Date.now() - job.startedAt > this.options.polling.timeoutMs) {
      this.logger.warn(
        `stopped tracking job ${job.jobId} after ${this.options.polling.timeoutMs} ms; it stays pending`,
      );
      this.abandoned.add(job.jobId);
      this.settle(job.jobId);
      return;
    }
    const record = await this.store.getJob(this.corpId, job.jobId);
    if (record?.status === 'completed') {
      this.finishLocally(eventFromRecord(record));
    } else if (record?.callback && !this.options.fetchResults) {
      await this.complete(job.jobId, undefined);
    } else {
      const result = await this.fetcher.getResult(job.jobId);
      if (result.status === 3) await this.complete(job.jobId, result);
    }
  }

  private async onPollError(job: TrackedJob, error: unknown): Promise<void> {
    const errcode = errcodeOf(error);
    if (errcode === RESULTS_CLEANED) {
      // The job finished long ago and WeCom dropped its rows: complete without them rather than never.
      await this.complete(job.jobId, undefined).catch((e: unknown) => {
        this.logger.warn(`completing job ${job.jobId} failed, will retry: ${describe(e)}`);
      });
    } else if (errcode === UNKNOWN_JOB || isPermanent(error)) {
      this.logger.error(`cannot track job ${job.jobId}: ${describe(error)}`);
      this.failures.next({ jobId: job.jobId, error });
      this.abandoned.add(job.jobId);
      this.settle(job.jobId);
    } else {
      this.logger.debug(`polling job ${job.jobId} failed, will retry: ${describe(error)}`);
    }
  }

  /**
   * Completes a job once: takes the completion lease, re-checks the record, fetches the rows (unless given or
   * disabled), persists, emits, and tells the other instances. A loser of the lease does nothing: the winner's
   * notification settles it.
   */
  private async complete(jobId: string, finished: BatchJobResult | undefined): Promise<void> {
    const corpId = this.corpId;
    const leaseName = `complete:${corpId}:${jobId}`;
    const lease = await this.store.acquireLock(leaseName, COMPLETE_LEASE_MS);
    if (lease === null) return;
    // Renewed while we work: a slow getresult (retries, backoff) must not let another instance in meanwhile.
    const renew = setInterval(() => {
      this.store.extendLock(leaseName, lease, COMPLETE_LEASE_MS).catch(() => undefined);
    }, COMPLETE_LEASE_MS / 3);
    renew.unref();
    try {
      const record = await this.store.getJob(corpId, jobId);
      if (record?.status === 'completed') {
        this.finishLocally(eventFromRecord(record));
        return;
      }
      const rows = this.options.fetchResults ? await this.finalRows(jobId, finished) : undefined;
      // Parsing a large getresult answer took a while: let the app serve requests before the next step.
      await yieldToEventLoop();
      const callback = record?.callback;
      const completion: JobCompletionInfo = {
        errCode: callback?.errCode ?? 0,
        errMsg: callback?.errMsg ?? 'ok',
        source: callback ? 'callback' : 'poll',
        completedAt: Date.now(),
        result: rows?.result,
        failedRows: rows?.result.filter((row) => row.errcode !== 0).length ?? 0,
      };
      const saved = await withStoreLock(this.store, recordLock(corpId, jobId), RECORD_LOCK, async () => {
        const current = await this.store.getJob(corpId, jobId);
        if (current?.status === 'completed') return undefined;
        const next: JobRecord = {
          ...(current ?? {
            corpId,
            jobId,
            jobType: (rows?.type ?? 'sync_user') as BatchJobType,
            submittedAt: completion.completedAt,
          }),
          status: 'completed',
          completion,
        };
        await this.store.saveJob(next, this.jobTtlMs);
        return next;
      });
      if (!saved) return;
      await yieldToEventLoop();
      const event = eventFromRecord(saved);
      this.emit(event);
      await this.store.publish(this.channel, jobId).catch((error: unknown) => {
        this.logger.warn(`could not notify other instances of job ${jobId}: ${describe(error)}`);
      });
      this.finishLocally(event);
    } finally {
      clearInterval(renew);
      await this.store.releaseLock(leaseName, lease).catch(() => undefined);
    }
  }

  /** The rows of a finished job: `finished` if it is the final answer, else getresult (40089 → none). */
  private async finalRows(jobId: string, finished: BatchJobResult | undefined): Promise<BatchJobResult | undefined> {
    if (finished?.status === 3) return finished;
    try {
      const result = await this.fetcher.getResult(jobId);
      if (result.status === 3) return result;
      throw new Error(`job ${jobId} reported done by its callback but getresult says status ${result.status}`);
    } catch (error) {
      if (errcodeOf(error) === RESULTS_CLEANED || errcodeOf(error) === UNKNOWN_JOB) {
        this.logger.warn(`job ${jobId} completed but WeCom no longer has its rows (${errcodeOf(error)})`);
        return undefined;
      }
      throw error;
    }
  }

  private emit(event: BatchJobCompletedEvent): void {
    try {
      this.emitter.emit(WECOM_BATCH_EVENTS.JOB_COMPLETED, event);
      if (event.errCode !== 0 || event.failedRows > 0) this.emitter.emit(WECOM_BATCH_EVENTS.JOB_FAILED, event);
    } catch (error) {
      // A synchronous listener threw. The job is completed and persisted all the same.
      this.logger.error(`a listener of job ${event.jobId}'s events threw: ${describe(error)}`);
    }
  }

  private async onCompletedElsewhere(jobId: string): Promise<void> {
    // Only jobs followed here matter (waitForJob always follows its job); this also skips the notice of a job
    // this instance completed itself, whose record may be large.
    if (this.closed || !this.tracked.has(jobId)) return;
    try {
      const record = await this.store.getJob(this.corpId, jobId);
      if (record?.status === 'completed') this.finishLocally(eventFromRecord(record));
    } catch (error) {
      this.logger.debug(`cannot read job ${jobId} after its completion notice: ${describe(error)}`);
    }
  }

  private finishLocally(event: BatchJobCompletedEvent): void {
    this.settle(event.jobId);
    this.completions.next(event);
  }

  private settle(jobId: string): void {
    const job = this.tracked.get(jobId);
    if (!job) return;
    clearTimeout(job.timer);
    this.tracked.delete(jobId);
    for (const hook of job.onSettled) {
      try {
        hook();
      } catch (error) {
        this.logger.error(`settling job ${jobId} failed: ${describe(error)}`);
      }
    }
  }

  /**
   * Follows the pending jobs of the corp this instance does not follow yet: at bootstrap (jobs left by a restart
   * or a crash) and every minute after (jobs of an instance that crashed and was not replaced). Every instance
   * does it; the completion lease makes sure only one emits.
   */
  private async resumePendingJobs(): Promise<void> {
    if (this.closed) return;
    try {
      const pending = await this.store.listPendingJobs(this.corpId);
      const orphans = pending.filter((r) => !this.tracked.has(r.jobId) && !this.abandoned.has(r.jobId));
      for (const record of orphans) this.track(record.jobId, record.callback ? { delayMs: 0 } : {});
      if (orphans.length > 0) this.logger.log(`following ${orphans.length} pending job(s) found in the store`);
    } catch (error) {
      this.logger.error(`cannot list pending jobs: ${describe(error)}`);
    }
  }
}

function recordLock(corpId: string, jobId: string): string {
  return `job:${corpId}:${jobId}`;
}

/**
 * The completed-event payload of a completed job record, frozen: every listener gets the same object, so one
 * listener changing it (sorting the rows in place…) would change it for the others — and for the stored record.
 */
export function eventFromRecord(record: JobRecord): BatchJobCompletedEvent {
  const completion = record.completion as JobCompletionInfo;
  const event = new BatchJobCompletedEvent({
    corpId: record.corpId,
    jobId: record.jobId,
    jobType: record.jobType,
    errCode: completion.errCode,
    errMsg: completion.errMsg,
    source: completion.source,
    completedAt: new Date(completion.completedAt),
    result: completion.result,
    failedRows: completion.failedRows,
  });
  return freezeDeep(event);
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function errcodeOf(error: unknown): number | undefined {
  const errcode = (error as { errcode?: unknown } | undefined)?.errcode;
  return typeof errcode === 'number' ? errcode : undefined;
}

/** A WeCom error that polling again will not fix (bad secret, untrusted IP…). Transport errors are not. */
function isPermanent(error: unknown): boolean {
  const e = error as { retryable?: unknown; errcode?: unknown } | undefined;
  return e?.retryable === false && typeof e.errcode === 'number' && e.errcode > 0;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
