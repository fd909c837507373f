import { WeComBatchError } from './wecom-batch.error.js';

/**
 * `readExport(jobId)` cannot read the job: the store has no export record for it, so there is no key to decrypt
 * its files with. The key never leaves the store, so an export can only be read through the module's store
 * that submitted it (a shared `RedisStore` for several instances), and only for `jobRecordTtlSeconds`.
 */
export class WeComExportUnavailableError extends WeComBatchError {
  constructor(
    /** The job asked for. */
    readonly jobId: string,
    reason: string,
  ) {
    super(`export job ${jobId} cannot be read: ${reason}`);
  }
}
