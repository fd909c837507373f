import type { Provider } from '@nestjs/common';
import { ExportFileDownloader } from '../../client/export-file.downloader.js';
import { ExportApi } from './export-api.service.js';
import { ExportReader } from './export-reader.service.js';
import { ExportService } from './export.service.js';
import { TrackedResultFetcher } from './tracked-result.fetcher.js';

/**
 * Every provider of directory reading (exports and ID lists), for the module to spread into its providers; the
 * module binds `WECOM_BATCH_RESULT_FETCHER` to {@link TrackedResultFetcher}, which asks `batch/getresult` or
 * `export/get_result` depending on the job's type.
 */
export const EXPORT_PROVIDERS: Provider[] = [
  ExportApi,
  ExportFileDownloader,
  ExportReader,
  ExportService,
  TrackedResultFetcher,
];
