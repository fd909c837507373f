import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import type { JobRecord } from '../../stores/wecom-batch-store.interface.js';
import type { BatchJobResultCallback } from './batch-job-callback.types.js';
import { CompletionNotices } from './completion-notices.service.js';
import { JobPoller } from './job-poller.service.js';
import { JobRecords } from './job-records.service.js';
import { JobWaiter } from './job-waiter.service.js';
import { PendingSweeper } from './pending-sweeper.service.js';
import type { BatchJobProgress, TrackOptions } from './tracking.types.js';

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
  constructor(
    @Inject(JobRecords) private readonly records: JobRecords,
    @Inject(JobPoller) private readonly poller: JobPoller,
    @Inject(JobWaiter) private readonly waiter: JobWaiter,
    @Inject(PendingSweeper) private readonly sweeper: PendingSweeper,
    @Inject(CompletionNotices) private readonly notices: CompletionNotices,
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
   * delivers again. Deduplicated by (corpId, JobId): retries of a delivery never complete a job twice.
   */
  async acceptCallback(callback: BatchJobResultCallback): Promise<void> {
    // Completion runs after the ACK: the pipeline answers WeCom as soon as this returns.
    if (await this.records.recordCallback(callback)) this.poller.track(callback.jobId, { delayMs: 0 });
  }

  /**
   * Persists the record of a job this instance just submitted and starts following it. A callback (or even the
   * completion) may already have been recorded by a fast WeCom: what it wrote is kept. A store failure is
   * logged, not thrown — the job exists in WeCom either way, and it is still followed in memory.
   */
  async registerSubmission(record: JobRecord, onSettled?: () => void): Promise<void> {
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
