import type { Observable } from 'rxjs';
import type { BatchJobCompletedEvent } from '../events/batch-job-completed.event.js';
import type { BatchJobType } from '../model/batch-job.types.js';
import type { BatchJobProgress } from './tracking/tracking.types.js';

/** What a handle needs from the service to follow its job. */
export interface BatchJobFollower {
  waitForJob(jobId: string, options?: { timeoutMs?: number }): Promise<BatchJobCompletedEvent>;
  watchJob(jobId: string, options?: { timeoutMs?: number }): Observable<BatchJobProgress>;
}

/**
 * A submitted import job: returned by `syncUsers`, `replaceUsers` and `replaceDepartments`.
 *
 * ```ts
 * const job = await batch.syncUsers({ users });
 * const done = await job.wait();          // the completed-event payload, rows included
 * job.watch().subscribe((p) => console.log(p.percentage));
 * ```
 */
export class BatchJob {
  constructor(
    /** The corp the job runs in. */
    readonly corpId: string,
    /** WeCom's job id (≤ 64 bytes, opaque): persist it if you track jobs yourself. */
    readonly jobId: string,
    readonly jobType: BatchJobType,
    /** The uploaded CSV's media_id (valid 3 days: reuse it to resubmit the same file). */
    readonly mediaId: string,
    /** Data rows in the CSV, when known. */
    readonly rows: number | undefined,
    readonly submittedAt: Date,
    private readonly follower: BatchJobFollower,
  ) {}

  /** Resolves when the job completes (see `BatchService.waitForJob`). */
  wait(options?: { timeoutMs?: number }): Promise<BatchJobCompletedEvent> {
    return this.follower.waitForJob(this.jobId, options);
  }

  /** Progress reports until completion (see `BatchService.watchJob`). */
  watch(options?: { timeoutMs?: number }): Observable<BatchJobProgress> {
    return this.follower.watchJob(this.jobId, options);
  }

  /** Plain data, for logs and JSON (the follower is left out). */
  toJSON(): Omit<BatchJob, 'wait' | 'watch' | 'toJSON'> {
    const { corpId, jobId, jobType, mediaId, rows, submittedAt } = this;
    return { corpId, jobId, jobType, mediaId, rows, submittedAt };
  }
}
