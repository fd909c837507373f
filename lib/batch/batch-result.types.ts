import type { BatchJobCompletedEvent } from '../events/batch-job-completed.event.js';
import type { BatchJobResult, BatchJobStatus } from '../model/batch-job.types.js';

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
