import type { WeComApiError } from '../errors/wecom-api.error.js';
import type { WeComRetryOptions } from '../wecom-batch.options.js';
import { RATE_LIMITED_ERRCODE } from './wecom-errcodes.js';

/** The kinds of failure the client itself retries (store failures and local refusals are not WeCom calls). */
const RETRIED_KINDS: ReadonlySet<WeComApiError['kind']> = new Set(['api', 'transport', 'http']);

/**
 * When a failed WeCom call is tried again, and after how long: capped exponential backoff with full jitter
 * (a random delay in `[0, min(maxDelayMs, baseDelayMs × 2^retry)]`, so clients that failed together do not
 * retry together), and the frequency-limit window for 45009.
 */
export class RetryPolicy {
  constructor(
    private readonly options: Required<WeComRetryOptions>,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Whether to retry after `error`, given how many retries were already made. `error.retryable` already
   * encodes idempotency: a job submission that may have reached WeCom is never retryable.
   */
  shouldRetry(error: WeComApiError, retriesSoFar: number): boolean {
    return error.retryable && RETRIED_KINDS.has(error.kind) && retriesSoFar < this.options.maxRetries;
  }

  /** Delay before retry number `retriesSoFar + 1`. */
  delayMs(error: WeComApiError, retriesSoFar: number): number {
    if (error.errcode === RATE_LIMITED_ERRCODE) {
      // WeCom blocks for the whole window; up to 10 % jitter keeps many clients from returning at once.
      const window = this.options.rateLimitDelayMs;
      return window + Math.floor(this.random() * window * 0.1);
    }
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** retriesSoFar);
    return Math.floor(this.random() * ceiling);
  }
}

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts. The timer is not unref'd on purpose: a
 * script awaiting a retry must not exit in the middle of the backoff.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
