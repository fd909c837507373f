import { Inject, Injectable, Logger } from '@nestjs/common';
import { ExportDownloadError, ExportFileDownloader } from '../../client/export-file.downloader.js';
import { WeComExportFailedError } from '../../errors/wecom-export-failed.error.js';
import { WeComExportFileError } from '../../errors/wecom-export-file.error.js';
import { WeComExportUnavailableError } from '../../errors/wecom-export-unavailable.error.js';
import type { ExportJobType } from '../../model/batch-job.types.js';
import { tracedExportRows } from '../../telemetry/export-spans.util.js';
import { ExportApi } from './export-api.service.js';
import { readExportRows, ExportParseError } from './export-file.reader.js';
import { exportAesKey } from './export-key.util.js';
import type { ExportFileInfo, ExportRow } from './export-rows.types.js';

/** How often a refused URL makes the reader ask `export/get_result` for fresh ones before it gives up. */
const MAX_URL_REFRESHES = 2;

/** What the reader needs to read one export job's files. `encodingAesKey` is a secret. */
export interface ExportReadSource {
  jobId: string;
  jobType: ExportJobType;
  encodingAesKey: string;
}

/**
 * Reads a finished export: asks `export/get_result` for its files, then, file by file, downloads one (into
 * memory, verified: size + MD5 of the ciphertext), and streams its rows (padding check, decryption, streaming
 * parse). Only one file is held at a time. A refused URL (expired after ~2 hours) makes it ask get_result
 * again for fresh URLs — WeCom is assumed (UNCONFIRMED) to issue new ones — and use the file at the same index.
 */
@Injectable()
export class ExportReader {
  private readonly logger = new Logger(ExportReader.name);

  constructor(
    @Inject(ExportApi) private readonly api: ExportApi,
    @Inject(ExportFileDownloader) private readonly downloader: ExportFileDownloader,
  ) {}

  /** Every row of the job, in file order. Call it once the job is done (status 2). */
  async *rows(source: ExportReadSource, signal?: AbortSignal): AsyncGenerator<ExportRow> {
    const { jobId, jobType } = source;
    const key = exportAesKey(source.encodingAesKey);
    let files = await this.files(source, signal);
    for (let index = 0; index < files.length; index++) {
      let ciphertext: Buffer | undefined;
      for (let refresh = 0; ciphertext === undefined; refresh++) {
        try {
          ciphertext = await this.downloader.download(files[index], signal);
        } catch (error) {
          if (!(error instanceof ExportDownloadError)) throw error;
          if (error.problem !== 'expired' || refresh >= MAX_URL_REFRESHES) {
            throw this.fileError(jobId, index, files.length, error, refresh);
          }
          this.logger.log(`export job ${jobId}: the URL of file ${index + 1} was refused; asking for fresh URLs`);
          const fresh = await this.files(source, signal);
          if (fresh.length !== files.length) {
            throw new WeComExportFileError(
              jobId,
              index,
              files.length,
              'expired',
              `export/get_result now lists ${fresh.length} files instead of ${files.length}; submit a new export`,
            );
          }
          files = fresh;
        }
      }
      try {
        const file = { jobId, jobType, fileIndex: index, bytes: ciphertext.length };
        yield* tracedExportRows(file, readExportRows(ciphertext, key, jobType));
      } catch (error) {
        if (!(error instanceof ExportParseError)) throw error;
        throw new WeComExportFileError(jobId, index, files.length, error.problem, error.message);
      } finally {
        // Let the file's buffer go before the next one is downloaded.
        ciphertext = undefined;
      }
    }
  }

  private async files(source: ExportReadSource, signal?: AbortSignal): Promise<ExportFileInfo[]> {
    const result = await this.api.getResult(source.jobId, signal);
    if (result.status === 3) {
      throw new WeComExportFailedError(source.jobId, source.jobType, -1, 'export/get_result says status 3 (failed)');
    }
    if (result.status !== 2) {
      throw new WeComExportUnavailableError(
        source.jobId,
        `export/get_result says status ${result.status}, not 2 (done)`,
      );
    }
    return result.files;
  }

  private fileError(
    jobId: string,
    index: number,
    count: number,
    error: ExportDownloadError,
    refreshes: number,
  ): WeComExportFileError {
    const detail =
      error.problem === 'expired'
        ? `${error.message}, also after asking export/get_result for fresh URLs ${refreshes} time(s) — WeCom's ` +
          'file links live about 2 hours; submit a new export to read the directory again'
        : error.message;
    return new WeComExportFileError(jobId, index, count, error.problem, detail);
  }
}
