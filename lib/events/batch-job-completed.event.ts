import type { BatchJobCompletionSource, BatchJobType, BatchResultRow } from '../model/batch-job.types.js';

/**
 * Payload of `wecom.batch.job.completed` (exactly once per job, cluster-wide) and of
 * `wecom.batch.job.failed` (emitted after `completed` when `errCode ≠ 0` or `failedRows > 0`).
 */
export class BatchJobCompletedEvent {
  corpId!: string;
  jobId!: string;
  /** The job type as WeCom reported it. */
  jobType!: BatchJobType;
  /** Job-level result code: 0 means the job ran (rows may still have failed — see `failedRows`). */
  errCode!: number;
  errMsg!: string;
  /** Whether the callback or `getresult` polling reported the completion. */
  source!: BatchJobCompletionSource;
  completedAt!: Date;
  /**
   * Per-row results from `batch/getresult`, persisted with the job record. Absent when result fetching is
   * off or WeCom no longer had them (40089: only the last 5 jobs are kept).
   */
  result?: BatchResultRow[];
  /** Rows whose `errcode ≠ 0` (0 when `result` is absent). */
  failedRows!: number;

  constructor(init: BatchJobCompletedEvent) {
    Object.assign(this, init);
  }
}
