import { WeComBatchError } from './wecom-batch.error.js';

/**
 * The store's backend (Redis) failed, was unreachable, or did not answer in time. The module turns it into a
 * failed call, and the callback endpoint answers non-200 so WeCom delivers again later.
 *
 * A timed-out write may still be applied by the backend afterwards (`timedOut: true`): each store write is
 * atomic, so it is then applied whole or not at all, never half. The message and `cause` never contain the
 * Redis password or the values written (tokens).
 */
export class WeComStoreError extends WeComBatchError {
  constructor(
    /** The store method that failed, e.g. `saveJob`. */
    readonly operation: string,
    message: string,
    /** True when the backend did not answer within the store's time limit. */
    readonly timedOut = false,
    options?: { cause?: unknown },
  ) {
    super(`store operation ${operation} failed: ${message}`, options);
  }
}
