import type { BatchJobResult, ExportJobType } from '../../model/batch-job.types.js';
import type { JobResultFetcher } from './tracking.types.js';

/** What one poll learnt about an export job. */
export interface ExportPoll {
  /** The progress answer for watchers (absent when the callback said it finished: no call was made). */
  answer?: BatchJobResult;
  /** `done` (status 2, or its callback came), `failed` (status 3), or still `pending`. */
  outcome: 'pending' | 'done' | 'failed';
}

/**
 * One poll of an export job. Exports finish with `export/get_result` status 2 (3 = failed) and have no result
 * rows; a recorded completion callback settles the job without any call. The answer is put in the import
 * vocabulary that watchers read (`status` 3 = finished, 100 %).
 */
export async function pollExportJob(
  fetcher: JobResultFetcher,
  jobId: string,
  jobType: ExportJobType,
  callbackRecorded: boolean,
  signal: AbortSignal,
): Promise<ExportPoll> {
  if (callbackRecorded) return { outcome: 'done' };
  if (!fetcher.exportStatus) throw new Error(`cannot poll export job ${jobId}: the result fetcher has no exportStatus`);
  const status = await fetcher.exportStatus(jobId, signal);
  const finished = status === 2 || status === 3;
  const answer: BatchJobResult = {
    jobId,
    status: finished ? 3 : status === 1 ? 2 : 1,
    type: jobType,
    total: 0,
    percentage: finished ? 100 : 0,
    result: [],
  };
  return { answer, outcome: status === 2 ? 'done' : status === 3 ? 'failed' : 'pending' };
}
