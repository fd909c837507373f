import type { Observable } from 'rxjs';
import type { BatchJobCompletedEvent } from '../events/batch-job-completed.event.js';
import type { BatchJobType } from '../model/batch-job.types.js';
import type { BatchJobPart, BatchRunFollower } from './submission/split-sync.types.js';
import type { BatchJobProgress } from './tracking/tracking.types.js';

export type { BatchJobPart, BatchRunFollower } from './submission/split-sync.types.js';

/** What a handle needs from the service to follow its job. */
export interface BatchJobFollower {
  waitForJob(jobId: string, options?: { timeoutMs?: number }): Promise<BatchJobCompletedEvent>;
  watchJob(jobId: string, options?: { timeoutMs?: number }): Observable<BatchJobProgress>;
}

/**
 * A submitted import job: returned by `syncUsers`, `replaceUsers` and `replaceDepartments`. A `syncUsers`
 * whose file was over `mediaLimitBytes` runs as several `sync_user` jobs, one after another: its handle stands
 * for the whole run — `jobId` / `mediaId` are the first part's, `parts` lists them all, `wait()` resolves once
 * every part completed (with every part's rows) or rejects with `WeComSyncRunError` when one failed, and
 * `watch()` reports progress over the whole run.
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
    private readonly run?: BatchRunFollower,
  ) {}

  /** The parts of a split sync (one entry otherwise): input rows `[firstRow, endRow)` of each job. */
  get parts(): readonly BatchJobPart[] {
    return (
      this.run?.parts ?? [{ index: 0, mediaId: this.mediaId, firstRow: 0, endRow: this.rows ?? 0, jobId: this.jobId }]
    );
  }

  /**
   * Resolves when the job completes (see `BatchService.waitForJob`) — for a split sync, when every part
   * completed, with every part's rows (`rows()`; `result` too while they are 10,000 or fewer).
   * @throws WeComSyncRunError when a part of a split sync failed (what was applied, how to resume)
   */
  wait(options?: { timeoutMs?: number | undefined }): Promise<BatchJobCompletedEvent> {
    return this.run ? this.run.wait(options) : this.follower.waitForJob(this.jobId, options);
  }

  /** Progress reports until completion (see `BatchService.watchJob`); over the whole run for a split sync. */
  watch(options?: { timeoutMs?: number | undefined }): Observable<BatchJobProgress> {
    return this.run ? this.run.watch(options) : this.follower.watchJob(this.jobId, options);
  }

  /** Plain data, for logs and JSON (the follower is left out). */
  toJSON(): Omit<BatchJob, 'wait' | 'watch' | 'toJSON'> {
    const { corpId, jobId, jobType, mediaId, rows, submittedAt, parts } = this;
    return { corpId, jobId, jobType, mediaId, rows, submittedAt, parts };
  }
}
