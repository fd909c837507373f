import type { BatchJobCompletedEvent } from '../events/batch-job-completed.event.js';
import type { BatchJobType, BatchResultRow } from '../events/batch-job.types.js';

/** `batch/getresult` status: 1 = 任务开始 (started), 2 = 任务进行中 (running), 3 = 任务已完成 (done). */
export type BatchJobStatus = 1 | 2 | 3;

/** A typed `batch/getresult` answer. */
export interface BatchJobResult {
  jobId: string;
  status: BatchJobStatus;
  /** The job type WeCom reports (`sync_user`, `replace_user`, `replace_party`; other strings are passed through). */
  type: BatchJobType | (string & {});
  /** Rows processed. */
  total: number;
  /** 0–100; 100 when done. */
  percentage: number;
  /** Per-row results; only filled once `status` is 3. Party rows have their `action` bitmask decoded. */
  result: BatchResultRow[];
}

/** One progress report of `BatchService.watchJob()`. The last one has `status: 3` and `completed` set. */
export interface BatchJobProgress {
  jobId: string;
  status: BatchJobStatus;
  percentage: number;
  total: number;
  /** The completed-event payload, on the final report only. */
  completed?: BatchJobCompletedEvent;
}

/** Where the job tracker gets `batch/getresult` answers from (the batch API in production, fakes in unit tests). */
export interface JobResultFetcher {
  /** `signal` aborts the call (a watch that ended, shutdown). */
  getResult(jobId: string, signal?: AbortSignal): Promise<BatchJobResult>;
}
