import { WeComBatchError } from './wecom-batch.error.js';

/** A `BatchService` call was given arguments WeCom would refuse (e.g. more than 1,000 users to invite). Nothing was sent. */
export class WeComInvalidRequestError extends WeComBatchError {
  constructor(
    /** The argument at fault, e.g. `users`, `source`. */
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}
