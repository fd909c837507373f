import { WeComStoreError } from '../errors/wecom-store.error.js';

/** Rejection of {@link withTimeout} when the time limit passed: the store turns it into `timedOut: true`. */
export class OperationTimeout extends Error {}

/**
 * `work`, or an {@link OperationTimeout} after `timeoutMs` (`0`: no limit). A safety net for a Redis that hangs
 * (overloaded, network partition without a reset): ioredis alone would wait forever for such a reply unless the
 * client sets `commandTimeout`.
 */
export function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  if (timeoutMs === 0) return work;
  // The command may still complete later: keep its eventual failure from becoming an unhandled rejection.
  work.catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new OperationTimeout()), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** A TTL in whole milliseconds ≥ 1, as PX / PEXPIRE require (0 or a fraction is a Redis error). */
export function toPx(operation: string, ms: number): string {
  if (!Number.isFinite(ms)) throw new WeComStoreError(operation, `the TTL must be a finite number of ms, got ${ms}`);
  return String(Math.max(1, Math.ceil(ms)));
}
