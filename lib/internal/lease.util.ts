import { backoffDelay, sleep, type BackoffOptions } from './backoff.util.js';

/**
 * The one home of lease-with-renewal: the token-refresh lock, the import slot and the completion lease all take a
 * store lock with a TTL (so it frees itself if the holder dies), renew it while their work runs (so a slow
 * holder does not lose it), and release it by lease id (so nobody frees a lock another holder took since).
 */

/** The lock operations of a store (structurally `WeComBatchStore`'s, kept here so `internal/` imports nothing). */
export interface LockPort {
  acquireLock(name: string, ttlMs: number): Promise<string | null>;
  extendLock(name: string, leaseId: string, ttlMs: number): Promise<boolean>;
  releaseLock(name: string, leaseId: string): Promise<boolean>;
}

/** How a lease is held. */
export interface LeaseOptions {
  /** TTL of the lock in ms: after the holder died, the lock frees itself this long after its last renewal. */
  ttlMs: number;
  /** Renew every this many ms while held; `0` turns renewal off (short critical sections). Default `ttlMs / 3`. */
  renewEveryMs?: number;
  /**
   * Called once when a renewal finds the lease gone (expired and taken by another holder) or fails: the holder
   * should stop, or at least know that the lock no longer guards it.
   */
  onLost?: (error?: unknown) => void;
}

/** How long and how often to wait for a lock somebody else holds. */
export interface LeaseWaitOptions extends LeaseOptions {
  /** Give up after this many ms (`waitForLease` resolves `null`). Default: wait forever. */
  waitMs?: number;
  /** Backoff between attempts. Default 10 ms doubling to 1 s, jittered. */
  retry?: BackoffOptions;
  /** Stops waiting (rejects with the signal's reason). */
  signal?: AbortSignal;
}

const DEFAULT_RETRY: BackoffOptions = { baseMs: 10, maxMs: 1_000 };

/** A held store lock. Release it once the work is done; releasing twice is harmless. */
export class Lease {
  private renewal?: NodeJS.Timeout;
  private released = false;
  private lostFlag = false;

  constructor(
    private readonly store: LockPort,
    /** The lock's name. */
    readonly name: string,
    /** The lease id the store handed out: only this holder can extend or release the lock with it. */
    readonly id: string,
    private readonly options: LeaseOptions,
  ) {
    const every = options.renewEveryMs ?? Math.floor(options.ttlMs / 3);
    if (every > 0) {
      this.renewal = setInterval(() => void this.renew(), Math.max(10, every));
      // A held lease must not keep a process alive that has nothing else to do.
      this.renewal.unref();
    }
  }

  /** True once a renewal found the lease gone or failed. */
  get lost(): boolean {
    return this.lostFlag;
  }

  /** Stops renewing and frees the lock if this lease still holds it. False when it did not (or the store failed). */
  async release(): Promise<boolean> {
    if (this.released) return false;
    this.released = true;
    clearInterval(this.renewal);
    return this.store.releaseLock(this.name, this.id).catch(() => false);
  }

  private async renew(): Promise<void> {
    if (this.released || this.lostFlag) return;
    try {
      if (await this.store.extendLock(this.name, this.id, this.options.ttlMs)) return;
      this.markLost(undefined);
    } catch (error) {
      // One failed renewal is not a lost lease (the TTL covers two more tries): report it, keep renewing.
      this.options.onLost?.(error);
    }
  }

  private markLost(error: unknown): void {
    this.lostFlag = true;
    clearInterval(this.renewal);
    this.options.onLost?.(error);
  }
}

/** Takes the lock `name` if it is free: the held {@link Lease}, or `null` when somebody else holds it. */
export async function tryLease(store: LockPort, name: string, options: LeaseOptions): Promise<Lease | null> {
  const id = await store.acquireLock(name, options.ttlMs);
  return id === null ? null : new Lease(store, name, id, options);
}

/**
 * Takes the lock `name`, waiting with jittered backoff while somebody else holds it. Resolves `null` after
 * `waitMs` (the caller throws its own, specific error).
 */
export async function waitForLease(store: LockPort, name: string, options: LeaseWaitOptions): Promise<Lease | null> {
  const started = Date.now();
  const waitMs = options.waitMs ?? Number.POSITIVE_INFINITY;
  for (let attempt = 0; ; attempt++) {
    const lease = await tryLease(store, name, options);
    if (lease) return lease;
    const left = waitMs - (Date.now() - started);
    if (left <= 0) return null;
    await sleep(Math.min(left, backoffDelay(attempt, options.retry ?? DEFAULT_RETRY)), options.signal);
  }
}

/**
 * Runs `fn` holding the lock `name` (waiting for it as {@link waitForLease} does), and releases it afterwards
 * whatever `fn` did. Resolves `{ ran: false }` when the lock could not be had within `waitMs`.
 */
export async function withLease<T>(
  store: LockPort,
  name: string,
  options: LeaseWaitOptions,
  fn: (lease: Lease) => Promise<T>,
): Promise<{ ran: true; value: T } | { ran: false }> {
  const lease = await waitForLease(store, name, options);
  if (!lease) return { ran: false };
  try {
    return { ran: true, value: await fn(lease) };
  } finally {
    await lease.release();
  }
}
