import { WeComBatchError } from './wecom-batch.error.js';

/**
 * An export job finished without files: `export/get_result` said status 3 (failed), or its completion callback
 * carried a non-zero `ErrCode`. Nothing can be read from it; submit a new export.
 */
export class WeComExportFailedError extends WeComBatchError {
  constructor(
    /** The export job. */
    readonly jobId: string,
    /** `export_user`, `export_simple_user`, `export_department` or `export_taguser`. */
    readonly jobType: string,
    /** The callback's `ErrCode`, or -1 when polling learnt the failure (status 3 carries no code). */
    readonly errCode: number,
    /** WeCom's `ErrMsg`, or what polling saw. */
    readonly errMsg: string,
  ) {
    super(`WeCom export job ${jobId} (${jobType}) failed: errcode ${errCode} — ${errMsg}; submit a new export`);
  }
}
