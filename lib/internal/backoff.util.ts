/**
 * The one home for waiting and backing off. Every loop that retries something (a WeCom call, a held lock, an
 * import slot, 302008) takes its delays from here, so they all jitter the same way.
 */

/** Capped exponential backoff: the ceiling of attempt `n` (0-based) is `min(maxMs, baseMs × 2ⁿ)`. */
export interface BackoffOptions {
  /** Ceiling of the first attempt, in ms. */
  baseMs: number;
  /** Largest ceiling, in ms. */
  maxMs: number;
}

/**
 * "Equal jitter": a random delay in `[ms / 2, ms]`. Half the wait is certain (no caller retries at once), the
 * other half is random, so clients that failed together do not return together.
 */
export function jitter(ms: number, random: () => number = Math.random): number {
  return Math.floor(ms / 2 + random() * (ms / 2));
}

/** The delay before attempt `attempt + 1`: the capped exponential ceiling with {@link jitter}. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
  return jitter(ceiling, random);
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

/** Lets the event loop serve other work (requests, timers) before a long computation goes on. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
