import { WeComBatchError } from './wecom-batch.error.js';

/**
 * A short store lock (guarding one job record) could not be taken in time: another instance held it too long,
 * or the store is too slow. The operation did nothing and can be retried; the callback endpoint answers 503 so
 * that WeCom re-delivers.
 *
 * Internal (not exported from the package): it never reaches a user — the poller retries, a submission logs it,
 * the callback route turns it into the 503.
 */
export class WeComLockTimeoutError extends WeComBatchError {
  constructor(
    /** The lock's name (no secrets: corp and job ids only). */
    readonly lock: string,
    readonly waitedMs: number,
  ) {
    super(`could not take the store lock "${lock}" within ${waitedMs} ms`);
  }
}
