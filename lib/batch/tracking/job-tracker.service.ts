import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { WeComSubmissionUncertainError } from '../../errors/wecom-submission-uncertain.error.js';
import { BoundedSet } from '../../internal/bounded-set.util.js';
import type { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import type { JobRecord } from '../../stores/wecom-batch-store.interface.js';
import { WECOM_BATCH_RESOLVED_OPTIONS } from '../../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../../wecom-batch.options.js';
import type { BatchJobResultCallback, CallbackAcceptance } from './batch-job-callback.types.js';
import { CompletionNotices } from './completion-notices.service.js';
import { JobPoller } from './job-poller.service.js';
import { JobRecords } from './job-records.service.js';
import { JobWaiter } from './job-waiter.service.js';
import { PendingSweeper } from './pending-sweeper.service.js';
import type { BatchJobProgress, TrackOptions } from './tracking.types.js';

/** How long a callback for a job with no record waits for this instance's submissions in flight to be saved. */
const UNKNOWN_JOB_GRACE_MS = 2_000;
/** With `callbackFollowUnknownJobs`: how many jobs with no record are followed at once, at most. */
export const MAX_UNKNOWN_JOBS_FOLLOWED = 100;
/** How many job ids this instance remembers having submitted (their records may be lost with the store's data). */
const REMEMBERED_SUBMISSIONS = 1_000;
/** At most this many submissions that may have reached WeCom without a known JobId are waited for at once. */
const MAX_UNCERTAIN_SUBMISSIONS = 100;

/**
 * Follows every job from submission to completion, whichever way completion is learnt: WeCom's
 * `batch_job_result` callback (primary) or `batch/getresult` polling (fallback, and the only way without a
 * callback). The entry point of `batch/tracking/` for BatchService and the callback pipeline; the work is done
 * by its parts: {@link JobRecords} (locked record writes), {@link JobPoller} (one poll schedule per job),
 * `JobCompleter` (exactly-once completion and events), {@link JobWaiter} (wait/watch), {@link PendingSweeper}
 * (resume) and {@link CompletionNotices} (cross-instance).
 */
@Injectable()
export class JobTracker implements OnApplicationBootstrap, OnModuleDestroy {
  private submissionsInFlight = 0;
  private readonly idleWaiters: Array<() => void> = [];
  /** Jobs with no record followed because of `callbackFollowUnknownJobs` (at most MAX_UNKNOWN_JOBS_FOLLOWED). */
  private readonly unknownFollowed = new Set<string>();
  /**
   * Job ids this instance submitted, newest last. A callback for one of them is followed even without a record:
   * the record was lost (a store that lost its data, a save that failed while the store was down), not forged.
   */
  private readonly submittedHere = new BoundedSet<string>(REMEMBERED_SUBMISSIONS);
  /**
   * Submissions of this instance that may have reached WeCom although no answer came back (so no JobId is known),
   * by job type, with when the allowance ends: the next callback of such a type for a job with no record is that
   * job, and is followed, so it still completes once. Bounded, and each allowance is used once.
   */
  private readonly uncertain: Array<{ jobType: string; until: number }> = [];

  constructor(
    @Inject(JobRecords) private readonly records: JobRecords,
    @Inject(JobPoller) private readonly poller: JobPoller,
    @Inject(JobWaiter) private readonly waiter: JobWaiter,
    @Inject(PendingSweeper) private readonly sweeper: PendingSweeper,
    @Inject(CompletionNotices) private readonly notices: CompletionNotices,
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
  ) {}

  /**
   * Listens for completions on other instances, resumes jobs left pending by a restart or a crash, and from then
   * on sweeps the store for pending jobs nobody follows.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.notices.listen((jobId) => void this.poller.completedElsewhere(jobId));
    await this.sweeper.start();
  }

  /**
   * Stops polling and listening (before the module closes the store at application shutdown); pending jobs
   * stay pending in the store and are resumed by the next instance.
   */
  async onModuleDestroy(): Promise<void> {
    this.sweeper.stop();
    this.poller.close();
    await this.notices.stop();
  }

  /**
   * Records a verified `batch_job_result` callback durably, then makes sure the job completes. Called by the
   * callback pipeline before it answers WeCom: if this rejects (store down), WeCom must get a non-200 so it
   * delivers again. Deduplicated by (corpId, JobId): retries of a delivery never complete a job twice — within
   * `jobRecordTtlSeconds`, while the record lasts. A job with no record is not followed unless
   * `callbackFollowUnknownJobs` is on (see {@link CallbackAcceptance}).
   */
  async acceptCallback(callback: BatchJobResultCallback): Promise<CallbackAcceptance> {
    let outcome = await this.records.recordCallback(callback);
    if (outcome === 'unknown' && this.submissionsInFlight > 0) {
      // A fast WeCom may call back before this instance saved the record of the job it just submitted.
      await this.submissionsSettled(UNKNOWN_JOB_GRACE_MS);
      outcome = await this.records.recordCallback(callback);
    }
    if (outcome === 'unknown') return this.acceptUnknown(callback);
    // Completion runs after the ACK: the pipeline answers WeCom as soon as this returns.
    if (outcome === 'follow') this.poller.track(callback.jobId, { delayMs: 0 });
    return outcome === 'follow' ? 'followed' : 'duplicate';
  }

  /**
   * Marks a submission in flight on this instance until the returned function is called (after its record is
   * saved): a callback for a job with no record waits for it (up to {@link UNKNOWN_JOB_GRACE_MS}) before it is
   * taken for an unknown job.
   */
  beginSubmission(): () => void {
    this.submissionsInFlight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.submissionsInFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    };
  }

  /**
   * Runs a job submission. When it fails with `WeComSubmissionUncertainError` (it may have reached WeCom, and no
   * JobId came back), the next callback of that job type for a job with no record — within `polling.timeoutMs` —
   * is taken for that job and followed, so the job still completes exactly once.
   */
  async submitting<T>(jobType: string, submit: () => Promise<T>): Promise<T> {
    try {
      return await submit();
    } catch (error) {
      if (error instanceof WeComSubmissionUncertainError) {
        this.uncertain.push({ jobType, until: Date.now() + this.options.polling.timeoutMs });
        if (this.uncertain.length > MAX_UNCERTAIN_SUBMISSIONS) this.uncertain.shift();
      }
      throw error;
    }
  }

  /** Uses up one allowance of an uncertain submission of `jobType`, if one is still open. */
  private takeUncertain(jobType: string): boolean {
    const now = Date.now();
    while (this.uncertain.length > 0 && this.uncertain[0].until < now) this.uncertain.shift();
    const index = this.uncertain.findIndex((entry) => entry.jobType === jobType);
    if (index < 0) return false;
    this.uncertain.splice(index, 1);
    return true;
  }

  private submissionsSettled(maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** A callback for a job with no record: dropped (the default), or followed in memory up to a cap. */
  private async acceptUnknown(callback: BatchJobResultCallback): Promise<CallbackAcceptance> {
    const { jobId } = callback;
    const ours = this.submittedHere.has(jobId) || this.takeUncertain(callback.jobType);
    if (!ours && !this.options.callbackFollowUnknownJobs) return 'unknown_ignored';
    if (!ours && !this.unknownFollowed.has(jobId) && this.unknownFollowed.size >= MAX_UNKNOWN_JOBS_FOLLOWED) {
      return 'unknown_over_cap';
    }
    if ((await this.records.recordCallback(callback, true)) === 'completed') return 'duplicate';
    // Only the jobs followed for callbackFollowUnknownJobs count towards its cap: ours are few and always followed.
    if (!ours && !this.unknownFollowed.has(jobId)) {
      this.unknownFollowed.add(jobId);
      this.poller.track(jobId, { delayMs: 0, onSettled: () => this.unknownFollowed.delete(jobId) });
    } else {
      this.poller.track(jobId, { delayMs: 0 });
    }
    return 'unknown_followed';
  }

  /**
   * Persists the record of a job this instance just submitted and starts following it. A callback (or even the
   * completion) may already have been recorded by a fast WeCom: what it wrote is kept. A store failure is
   * logged, not thrown — the job exists in WeCom either way, and it is still followed in memory.
   */
  async registerSubmission(record: JobRecord, onSettled?: () => void): Promise<void> {
    this.submittedHere.add(record.jobId);
    await this.records.recordSubmission(record);
    this.poller.track(record.jobId, { onSettled });
  }

  /**
   * Starts following a submitted job on this instance (idempotent). With a callback configured, polling starts
   * after `polling.callbackGraceMs`; without one, after `polling.initialIntervalMs`. `onSettled` runs once when
   * this instance stops following it (completed anywhere, tracking failed, timed out, or shutdown).
   */
  track(jobId: string, options: TrackOptions = {}): void {
    this.poller.track(jobId, options);
  }

  /**
   * Resolves with the completed-event payload of `jobId` (from the callback, or from polling when no callback
   * comes), also when another instance completes it. Rejects with `WeComJobTimeoutError` after `timeoutMs`, or
   * with the error that made tracking impossible (unknown job 40088, a configuration error).
   */
  waitForJob(jobId: string, timeoutMs?: number): Promise<BatchJobCompletedEvent> {
    return this.waiter.waitForJob(jobId, timeoutMs);
  }

  /**
   * Progress of `jobId` polled from `batch/getresult` (best effort), ending with a report that carries the
   * completed-event payload. Errors with what `waitForJob` rejects with. Shares the job's one poll schedule.
   */
  watchJob(jobId: string, timeoutMs?: number): Observable<BatchJobProgress> {
    return this.waiter.watchJob(jobId, timeoutMs);
  }
}
