import type { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import type { BatchJobResult, BatchJobStatus } from '../../model/batch-job.types.js';

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
  /** `signal` aborts the call (the job settled, shutdown). */
  getResult(jobId: string, signal?: AbortSignal): Promise<BatchJobResult>;
}

/** How {@link JobPoller.track} starts following a job. */
export interface TrackOptions {
  /** First poll after this many ms. Default: `polling.callbackGraceMs` with a callback, else `initialIntervalMs`. */
  delayMs?: number;
  /** Runs once when this instance stops following the job (completed anywhere, failed, timed out, shutdown). */
  onSettled?: () => void;
}
