import type { TrackedJobType } from '../../model/batch-job.types.js';

/** A verified, decrypted and validated `batch_job_result` callback, as the callback pipeline hands it over. */
export interface BatchJobResultCallback {
  /** The CorpID (`ToUserName`, equal to the receiveId the message was decrypted with). */
  corpId: string;
  /** `BatchJob/JobId` (≤ 64 characters). */
  jobId: string;
  /** `BatchJob/JobType` — an import or export type (`export_tag` already made `export_taguser`); others never get here. */
  jobType: TrackedJobType;
  /** `BatchJob/ErrCode`: 0 when the job ran. */
  errCode: number;
  /** `BatchJob/ErrMsg`. */
  errMsg: string;
  /** `CreateTime`, in seconds. */
  createTime: number;
}

/** What `JobRecords.recordCallback` did with a callback. */
export type CallbackRecordOutcome = 'follow' | 'completed' | 'unknown';

/**
 * What `JobTracker.acceptCallback` did with a verified callback — every outcome is acknowledged (200):
 * - `followed`: recorded; the job completes now (here, or on the instance that holds its completion).
 * - `duplicate`: the job was completed already (a retry of a delivery).
 * - `unknown_ignored`: no record of the job (never submitted by this module, or its record expired after
 *   `jobRecordTtlSeconds`), and `callbackFollowUnknownJobs` is off: nothing written, no getresult call.
 * - `unknown_followed`: no record, followed all the same (`callbackFollowUnknownJobs`).
 * - `unknown_over_cap`: no record, and the cap of unknown jobs followed at once is reached: dropped.
 */
export type CallbackAcceptance = 'followed' | 'duplicate' | 'unknown_ignored' | 'unknown_followed' | 'unknown_over_cap';
