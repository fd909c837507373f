import { WeComBatchError } from './wecom-batch.error.js';

/**
 * Why a file of an export could not be read:
 * - `download`: the file could not be downloaded (network, HTTP status, timeout), after resuming and retrying.
 * - `expired`: the file's URL was refused (403/404/410) and asking `export/get_result` again gave no working URL.
 * - `size`: the bytes received are not as many as `export/get_result` announced (a truncated or padded file).
 * - `md5`: the bytes' MD5 is not the announced one (a corrupted or tampered file).
 * - `decrypt`: the decrypted file's PKCS#7 padding (32-byte blocks) is invalid — wrong key, or not an export file.
 * - `json`: the decrypted text is not the JSON document the export announces (bad JSON, wrong shape, a row
 *   that is not an object).
 */
export type WeComExportFileProblem = 'download' | 'expired' | 'size' | 'md5' | 'decrypt' | 'json';

/**
 * One file of an export job's `data_list` could not be read. Thrown by `ExportJob.rows()` before any row of that
 * file is yielded for `download`, `expired`, `size`, `md5` and `decrypt` (those are checked on the whole file
 * first); a `json` problem may come after earlier rows of the same file were yielded. Rows of earlier files
 * were complete and valid. The message names the file by its index, never its URL (a URL is a capability to
 * download the corp's directory) and never the key.
 */
export class WeComExportFileError extends WeComBatchError {
  constructor(
    /** The export job. */
    readonly jobId: string,
    /** 0-based index of the file in `data_list`. */
    readonly fileIndex: number,
    /** How many files the job has. */
    readonly fileCount: number,
    /** What went wrong. */
    readonly problem: WeComExportFileProblem,
    detail: string,
    options?: { cause?: Error },
  ) {
    super(
      `export job ${jobId}: file ${fileIndex + 1} of ${fileCount} (data_list[${fileIndex}]) is unusable (${problem}): ${detail}`,
      options,
    );
  }
}
