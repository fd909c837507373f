import type { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import type { BatchJobResult, BatchJobStatus, BatchResultRow } from '../../model/batch-job.types.js';

/** One progress report of `BatchService.watchJob()`. The last one has `status: 3` and `completed` set. */
export interface BatchJobProgress {
  jobId: string;
  status: BatchJobStatus;
  percentage: number;
  total: number;
  /** The completed-event payload, on the final report only. */
  completed?: BatchJobCompletedEvent;
}

/** Options of {@link JobResultFetcher.streamResult}. */
export interface ResultStreamOptions {
  /** Aborts the call (the job settled, shutdown). */
  signal?: AbortSignal;
  /** Receives the rows in order, in batches; reading waits for it. Without it, only the header is read. */
  onRows?: (rows: BatchResultRow[]) => Promise<void> | void;
  /** A retried attempt starts over: the rows handed on before are void. */
  onRestart?: () => void;
  /** Rows per `onRows` call (default 2,000). */
  batchRows?: number;
}

/** Where the job tracker gets `batch/getresult` answers from (the batch API in production, fakes in unit tests). */
export interface JobResultFetcher {
  /** `signal` aborts the call (the job settled, shutdown). */
  getResult(jobId: string, signal?: AbortSignal): Promise<BatchJobResult>;
  /**
   * The answer read as a stream (optional: without it the tracker uses `getResult`): the header resolved, the
   * rows handed to `onRows` in batches — a 1,000,000-row answer is never in memory at once.
   */
  streamResult?(jobId: string, options?: ResultStreamOptions): Promise<Omit<BatchJobResult, 'result'>>;
  /**
   * The status of an export job from `export/get_result` (0 not started, 1 processing, 2 done, 3 failed).
   * Optional: a fetcher without it cannot follow export jobs (their polls fail and are retried).
   */
  exportStatus?(jobId: string, signal?: AbortSignal): Promise<0 | 1 | 2 | 3>;
}

/** How {@link JobPoller.track} starts following a job. */
export interface TrackOptions {
  /** First poll after this many ms. Default: `polling.callbackGraceMs` with a callback, else `initialIntervalMs`. */
  delayMs?: number;
  /** Runs once when this instance stops following the job (completed anywhere, failed, timed out, shutdown). */
  onSettled?: () => void;
}
