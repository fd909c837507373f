import { WeComBatchError } from './wecom-batch.error.js';

/** `waitForJob` gave up before the job completed. The job keeps running in WeCom and is still tracked. */
export class WeComJobTimeoutError extends WeComBatchError {
  constructor(
    /** The job waited for. */
    readonly jobId: string,
    /** How long the caller waited. */
    readonly timeoutMs: number,
  ) {
    super(
      `WeCom job ${jobId} did not complete within ${timeoutMs} ms; it is still tracked and will emit its events when it completes`,
    );
  }
}
