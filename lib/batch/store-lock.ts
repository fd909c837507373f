import { setTimeout as sleep } from 'node:timers/promises';
import { WeComLockTimeoutError } from '../errors/wecom-lock-timeout.error.js';
import type { WeComBatchStore } from '../stores/wecom-batch-store.interface.js';

/** How long a short lock may be held, and how long to wait for it. */
export interface StoreLockTiming {
  /** Lease of the lock: it frees itself after this even if the holder dies. */
  ttlMs: number;
  /** Give up (WeComLockTimeoutError) after waiting this long. */
  waitMs: number;
}

/**
 * Runs `fn` while holding the store lock `name`. Used for read-modify-write of job records, which several
 * instances (callback deliveries, pollers) may touch at once. Keep `fn` short: no WeCom calls inside.
 */
export async function withStoreLock<T>(
  store: WeComBatchStore,
  name: string,
  timing: StoreLockTiming,
  fn: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  let lease = await store.acquireLock(name, timing.ttlMs);
  while (lease === null) {
    if (Date.now() - started >= timing.waitMs) throw new WeComLockTimeoutError(name, timing.waitMs);
    // Jittered so contenders from several instances do not retry in lockstep.
    await sleep(5 + Math.random() * 20);
    lease = await store.acquireLock(name, timing.ttlMs);
  }
  try {
    return await fn();
  } finally {
    await store.releaseLock(name, lease).catch(() => undefined);
  }
}
