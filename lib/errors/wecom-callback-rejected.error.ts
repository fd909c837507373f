import type { CallbackRejectionReason } from '../model/callback-rejection.types.js';
import { WeComBatchError } from './wecom-batch.error.js';

/**
 * A callback delivery was refused: forged, stale, undecryptable, malformed, too large, or not storable right
 * now. Raised inside the callback pipeline and turned into the HTTP answer (`status`) and a
 * `wecom.batch.callback.rejected` event; `WeComCallbackService.handleCallback()` never lets it escape.
 *
 * The message is safe to log: it never contains the token, the EncodingAESKey, the corp secret or any
 * decrypted content.
 */
export class WeComCallbackRejectedError extends WeComBatchError {
  /** Machine-readable cause, as in the `wecom.batch.callback.rejected` event. */
  readonly reason: CallbackRejectionReason;
  /** The HTTP status answered to the caller (4xx, or 503 when the store is down). */
  readonly status: number;

  constructor(reason: CallbackRejectionReason, status: number, message: string, options?: { cause?: unknown }) {
    // No stack trace: this error never leaves the pipeline, and capturing one was the largest single cost of
    // refusing a forged delivery — the path a flood of them takes.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message, options);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.reason = reason;
    this.status = status;
  }
}
