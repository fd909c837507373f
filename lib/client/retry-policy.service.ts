import type { WeComApiError } from '../errors/wecom-api.error.js';
import { backoffDelay } from '../internal/backoff.util.js';
import type { WeComRetryOptions } from '../wecom-batch.options.js';
import { RATE_LIMITED_ERRCODE } from './wecom-errcodes.js';

/** The kinds of failure the client itself retries (store failures and local refusals are not WeCom calls). */
const RETRIED_KINDS: ReadonlySet<WeComApiError['kind']> = new Set(['api', 'transport', 'http']);

/**
 * When a failed WeCom call is tried again, and after how long: capped exponential backoff with the package's one
 * jitter policy (`backoffDelay`: a random delay in `[c / 2, c]` with `c = min(maxDelayMs, baseDelayMs × 2^retry)`,
 * so clients that failed together do not retry together), and the frequency-limit window for 45009.
 *
 * A Nest provider of the module: replace it in a testing module to change how the client retries, e.g.
 * `Test.createTestingModule({ imports: [WeComBatchModule.forRoot(…)] }).overrideProvider(RetryPolicy)
 * .useValue(new RetryPolicy({ ...retry, maxRetries: 0 }))`.
 */
export class RetryPolicy {
  /**
   * @param options the module's resolved `retry` options
   * @param random source of the jitter (tests pass a fixed one)
   */
  constructor(
    private readonly options: Required<WeComRetryOptions>,
    private readonly random: () => number = Math.random,
  ) {}

  /** Most retries of one call (`retry.maxRetries`), for log lines. */
  get maxRetries(): number {
    return this.options.maxRetries;
  }

  /**
   * Whether to retry after `error`, given how many retries were already made. `error.retryable` already
   * encodes idempotency: a job submission that may have reached WeCom is never retryable.
   */
  shouldRetry(error: WeComApiError, retriesSoFar: number): boolean {
    return error.retryable && RETRIED_KINDS.has(error.kind) && retriesSoFar < this.options.maxRetries;
  }

  /** Delay in ms before retry number `retriesSoFar + 1`. */
  delayMs(error: WeComApiError, retriesSoFar: number): number {
    if (error.errcode === RATE_LIMITED_ERRCODE) {
      // WeCom blocks for the whole window: never earlier; up to 10 % later keeps many clients from returning at once.
      const window = this.options.rateLimitDelayMs;
      return window + Math.floor(this.random() * window * 0.1);
    }
    return backoffDelay(
      retriesSoFar,
      { baseMs: this.options.baseDelayMs, maxMs: this.options.maxDelayMs },
      this.random,
    );
  }
}
