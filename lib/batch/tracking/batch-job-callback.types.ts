import type { BatchJobType } from '../../model/batch-job.types.js';

/** A verified, decrypted and validated `batch_job_result` callback, as the callback pipeline hands it over. */
export interface BatchJobResultCallback {
  /** The CorpID (`ToUserName`, equal to the receiveId the message was decrypted with). */
  corpId: string;
  /** `BatchJob/JobId` (≤ 64 characters). */
  jobId: string;
  /** `BatchJob/JobType` — one of the import types; other types never reach the tracker. */
  jobType: BatchJobType;
  /** `BatchJob/ErrCode`: 0 when the job ran. */
  errCode: number;
  /** `BatchJob/ErrMsg`. */
  errMsg: string;
  /** `CreateTime`, in seconds. */
  createTime: number;
}
