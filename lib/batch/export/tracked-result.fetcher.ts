import { Inject, Injectable } from '@nestjs/common';
import type { BatchJobResult } from '../../model/batch-job.types.js';
import { BatchApi } from '../api/batch-api.service.js';
import type { JobResultFetcher, ResultStreamOptions } from '../tracking/tracking.types.js';
import { ExportApi } from './export-api.service.js';

/**
 * The tracker's result fetcher: imports through `batch/getresult` (BatchApi, streamed when it can), exports
 * through `export/get_result` (status only — an export's data is read with `ExportJob.rows()`). The tracker
 * picks by the job record's type.
 */
@Injectable()
export class TrackedResultFetcher implements JobResultFetcher {
  readonly streamResult?: JobResultFetcher['streamResult'];

  constructor(
    @Inject(BatchApi) private readonly batch: BatchApi,
    @Inject(ExportApi) private readonly exports: ExportApi,
  ) {
    // Offered only when the batch API streams: the tracker checks for the method's presence.
    const api = this.batch as JobResultFetcher;
    if (api.streamResult) {
      this.streamResult = (jobId: string, options?: ResultStreamOptions) => api.streamResult!(jobId, options);
    }
  }

  getResult(jobId: string, signal?: AbortSignal): Promise<BatchJobResult> {
    return this.batch.getResult(jobId, signal);
  }

  async exportStatus(jobId: string, signal?: AbortSignal): Promise<0 | 1 | 2 | 3> {
    return (await this.exports.getResult(jobId, signal, true)).status;
  }
}
