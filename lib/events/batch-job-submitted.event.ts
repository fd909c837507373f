import type { BatchJobType } from '../model/batch-job.types.js';

/** Payload of `wecom.batch.job.submitted`. */
export class BatchJobSubmittedEvent {
  /** The corp the job runs in. */
  corpId!: string;
  /** The `name` of the registration that submitted it (absent for the unnamed registration). */
  registration?: string | undefined;
  /** WeCom's job id (≤ 64 bytes, opaque). */
  jobId!: string;
  jobType!: BatchJobType;
  /** The uploaded CSV's media_id (valid 3 days). */
  mediaId!: string;
  /** Number of data rows in the CSV, when the module built or counted it. */
  rows?: number | undefined;
  submittedAt!: Date;

  constructor(init: BatchJobSubmittedEvent) {
    Object.assign(this, init);
  }
}
