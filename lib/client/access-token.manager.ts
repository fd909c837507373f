import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { WeComApiError } from '../errors/wecom-api.error.js';
import { backoffDelay, sleep } from '../internal/backoff.util.js';
import { type Lease, tryLease } from '../internal/lease.util.js';
import type { Redactor } from '../internal/redactor.util.js';
import { safeCause } from '../internal/safe-error.util.js';
import { logFields } from '../telemetry/log-fields.util.js';
import { STORE_KEYS } from '../stores/store-keys.js';
import type { TokenRecord, WeComBatchStore } from '../stores/wecom-batch-store.interface.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import type { FetchedToken } from './access-token.fetcher.js';

/** What an {@link AccessTokenManager} works with. */
export interface AccessTokenManagerDeps {
  options: ResolvedWeComBatchOptions;
  store: WeComBatchStore;
  redactor: Redactor;
  /** Calls WeCom's `gettoken` (with the client's retry policy); rejects with a `WeComApiError`. */
  fetchToken: () => Promise<FetchedToken>;
  /** Clock in epoch ms. @default Date.now */
  now?: () => number;
  /**
   * After `gettoken` failed with a configuration error (bad secret, untrusted IP …), further token requests
   * fail with that error without calling WeCom for this long: WeCom bans an IP for an hour after repeated
   * wrong secrets, and a polling loop would get there quickly.
   * @default 30000
   */
  configFailureHoldMs?: number;
}

const ENDPOINT = 'gettoken';
/** How often a caller waiting for another instance's refresh looks for its token: 20 ms doubling to 500 ms. */
const POLL_BACKOFF = { baseMs: 20, maxMs: 500 };
/** Tokens this process saw WeCom refuse, never handed out again even if a racing writer stores one back. */
const REMEMBERED_REJECTIONS = 8;

/**
 * The access token of one `(apiBaseUrl, corpId, corpSecret)`, cached in the module's store.
 *
 * - Refreshed ahead of expiry (`tokenRefreshMarginSeconds`, at most half the token's lifetime).
 * - Single flight in this process (one `gettoken` however many callers wait) and across instances (a lease
 *   in the store; whoever does not hold it waits for the holder's token instead of fetching its own).
 * - Compare-and-invalidate: a refused token is dropped from the store only if it is still the cached one,
 *   so a token another caller just refreshed survives.
 * - The store key holds a SHA-256 of the secret, never the secret.
 * - A store failure is a `WeComApiError` of kind `store` (endpoint `gettoken`, the store's error as a scrubbed
 *   `cause`), not the store's own `WeComStoreError`: it fails a WeCom call, and callers of the client handle
 *   every failure of a call as one `WeComApiError` (`kind` says which part failed). Store calls outside a WeCom
 *   call (job records, the import slot) let the `WeComStoreError` through.
 *
 * A Nest provider of the module: `overrideProvider(AccessTokenManager).useValue(…)` in a testing module replaces
 * it (e.g. with one handing out a fixed token).
 */
export class AccessTokenManager {
  /** Store key of the token: per API base URL, CorpID and secret hash (`STORE_KEYS.token`). */
  readonly key: string;
  /** Store lock taken by the one caller (cluster-wide) that fetches a new token (`STORE_KEYS.tokenRefreshLock`). */
  readonly lockName: string;
  private readonly logger = new Logger(AccessTokenManager.name);
  private readonly now: () => number;
  private readonly marginMs: number;
  private readonly leaseMs: number;
  private readonly maxWaitMs: number;
  private readonly configFailureHoldMs: number;
  private local: TokenRecord | undefined;
  private inflight: Promise<TokenRecord> | undefined;
  private configFailure: { error: WeComApiError; until: number } | undefined;
  private readonly rejected: string[] = [];

  /** @param deps what the manager works with; the module's provider passes its store, redactor and fetcher. */
  constructor(private readonly deps: AccessTokenManagerDeps) {
    const { options } = deps;
    const secretHash = sha256(options.corpSecret);
    const id = sha256(`${options.apiBaseUrl}\n${options.corpId}\n${secretHash}`).slice(0, 32);
    this.key = STORE_KEYS.token(options.corpId, id);
    this.lockName = STORE_KEYS.tokenRefreshLock(options.corpId, id);
    this.now = deps.now ?? Date.now;
    this.marginMs = options.tokenRefreshMarginSeconds * 1000;
    this.configFailureHoldMs = deps.configFailureHoldMs ?? 30_000;
    // The lease covers one gettoken exchange; the holder extends it while its retries run.
    this.leaseMs = options.requestTimeoutMs + 5_000;
    const { maxRetries, maxDelayMs, rateLimitDelayMs } = options.retry;
    const longestFetch =
      (maxRetries + 1) * options.requestTimeoutMs + maxRetries * Math.max(maxDelayMs, rateLimitDelayMs * 1.1);
    this.maxWaitMs = this.leaseMs + longestFetch;
  }

  /** A token fresh enough to use; fetches one (once, for everybody waiting) when needed. */
  async getToken(signal?: AbortSignal): Promise<string> {
    const local = this.local;
    if (local && this.isFresh(local)) return local.token;

    const cached = this.usableRecord(await this.storeCall(() => this.deps.store.getToken(this.key)));
    if (cached && this.isFresh(cached)) return this.adopt(cached).token;

    try {
      return (await abortable(this.refresh(), signal)).token;
    } catch (error) {
      // Refresh ahead of expiry failed (WeCom busy, store down …) but the old token still works: use it.
      const stillValid = cached && this.now() < cached.expiresAt - 1_000;
      if (stillValid && error instanceof WeComApiError && error.kind !== 'config' && !signal?.aborted) {
        this.logger.warn(
          `Refreshing the access token ahead of expiry failed; using the current one (${error.message})`,
        );
        return this.adopt(cached).token;
      }
      throw error;
    }
  }

  /**
   * WeCom refused `token` (40014/42001): forget it, and drop it from the store only if it is still the
   * cached one. The next `getToken()` then returns whatever another caller already refreshed, or fetches.
   */
  async reject(token: string): Promise<void> {
    if (!this.rejected.includes(token)) {
      this.rejected.push(token);
      if (this.rejected.length > REMEMBERED_REJECTIONS) this.rejected.shift();
    }
    if (this.local?.token === token) this.local = undefined;
    const dropped = await this.storeCall(() => this.deps.store.invalidateToken(this.key, token));
    this.logger.verbose(
      dropped ? 'WeCom refused the cached access token; dropped it' : 'WeCom refused an access token already replaced',
    );
  }

  private refresh(): Promise<TokenRecord> {
    if (this.inflight) return this.inflight;
    const held = this.configFailure;
    if (held && this.now() < held.until) return Promise.reject(held.error);
    this.inflight = this.refreshAcrossInstances().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async refreshAcrossInstances(): Promise<TokenRecord> {
    const started = this.now();
    for (let attempt = 0; ; attempt++) {
      // The lease covers one gettoken exchange; it is renewed while the fetch (and its retries) run.
      const lease = await this.storeCall(() => tryLease(this.deps.store, this.lockName, { ttlMs: this.leaseMs }));
      if (lease) return this.refreshHoldingLock(lease);

      // Another instance is fetching: wait for its token rather than calling gettoken too.
      await sleep(backoffDelay(attempt, POLL_BACKOFF));
      const current = this.usableRecord(await this.storeCall(() => this.deps.store.getToken(this.key)));
      if (current && this.isFresh(current)) return this.adopt(current);
      if (this.now() - started > this.maxWaitMs) {
        throw new WeComApiError({
          kind: 'store',
          endpoint: ENDPOINT,
          errmsg: `another instance held the token-refresh lock for over ${Math.round(this.maxWaitMs / 1000)} s without storing a token`,
          retryable: true,
        });
      }
    }
  }

  private async refreshHoldingLock(lease: Lease): Promise<TokenRecord> {
    try {
      // Re-check under the lock: the previous holder may have stored a token while we were waiting for it.
      const current = this.usableRecord(await this.storeCall(() => this.deps.store.getToken(this.key)));
      if (current && this.isFresh(current)) return this.adopt(current);

      let fetched: FetchedToken;
      try {
        fetched = await this.deps.fetchToken();
      } catch (error) {
        if (error instanceof WeComApiError && error.kind === 'config') {
          this.configFailure = { error, until: this.now() + this.configFailureHoldMs };
          // The one line of a refused gettoken (the request runner does not warn for it): the message carries
          // WeCom's advice (for 60020 the IP it saw and where to allow-list it), joined onto one line so a plain
          // text log keeps it together; the fields are for JSON loggers.
          this.logger.error(
            error.message.replace(/\s*\n\s*/g, ' ') +
              logFields({ endpoint: ENDPOINT, errcode: error.errcode ?? undefined, corpId: this.deps.options.corpId }),
          );
        }
        throw error;
      }
      this.configFailure = undefined;
      const fetchedAt = this.now();
      const record: TokenRecord = {
        token: fetched.token,
        fetchedAt,
        expiresAt: fetchedAt + fetched.expiresInSeconds * 1000,
      };
      this.deps.redactor.remember(record.token);
      await this.storeCall(() => this.deps.store.setToken(this.key, record));
      this.logger.verbose(`Fetched a new access token (valid for ${fetched.expiresInSeconds} s)`);
      return this.adopt(record);
    } finally {
      await lease.release();
    }
  }

  private adopt(record: TokenRecord): TokenRecord {
    this.deps.redactor.remember(record.token);
    this.local = record;
    return record;
  }

  /** The record unless it is missing or a token this process saw refused. */
  private usableRecord(record: TokenRecord | null): TokenRecord | undefined {
    return record && !this.rejected.includes(record.token) ? record : undefined;
  }

  /** Before the refresh point: `margin` before expiry, but never earlier than half the lifetime. */
  private isFresh(record: TokenRecord): boolean {
    const margin = Math.min(this.marginMs, (record.expiresAt - record.fetchedAt) / 2);
    return this.now() < record.expiresAt - margin;
  }

  /** Runs a store call; its failure becomes a `WeComApiError` of kind `store` (see the class comment for why). */
  private async storeCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const cause = safeCause(error, (text) => this.deps.redactor.scrub(text));
      throw new WeComApiError({ kind: 'store', endpoint: ENDPOINT, errmsg: cause.message, retryable: true, cause });
    }
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** `promise`, or the signal's reason as soon as it aborts (the shared refresh keeps running for the others). */
function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
