import type { BatchJobCompletionSource, BatchJobType, BatchResultRow } from '../model/batch-job.types.js';

/** A cached access token. */
export interface TokenRecord {
  token: string;
  /** Epoch ms at which WeCom stops accepting it (fetch time + `expires_in`). */
  expiresAt: number;
  /** Epoch ms at which it was fetched; a store never replaces a token with one fetched earlier. */
  fetchedAt: number;
}

/** What a `batch_job_result` callback said, recorded before the callback is acknowledged. */
export interface JobCallbackInfo {
  jobType: string;
  errCode: number;
  errMsg: string;
  receivedAt: number;
}

/** The outcome of a finished job, persisted with its rows (WeCom keeps only the last 5 results). */
export interface JobCompletionInfo {
  errCode: number;
  errMsg: string;
  source: BatchJobCompletionSource;
  completedAt: number;
  result?: BatchResultRow[];
  failedRows: number;
}

/** A job from submission to completion. Plain JSON data: stores may serialize it. */
export interface JobRecord {
  corpId: string;
  jobId: string;
  jobType: BatchJobType;
  mediaId?: string;
  rows?: number;
  submittedAt: number;
  status: 'pending' | 'completed';
  /** Set when a callback arrived (possibly before the job finished processing on this side). */
  callback?: JobCallbackInfo;
  /** Set when `status` is `completed`. */
  completion?: JobCompletionInfo;
}

/**
 * Where the module keeps its state. `MemoryStore` (the default) serves one process; `RedisStore` lets
 * several instances share tokens, job records, dedup marks and locks. Implement it to use another backend.
 *
 * Every method may reject (a backend outage): the module turns that into a clear error, and the callback
 * endpoint answers non-200 so WeCom retries the delivery later.
 */
export interface WeComBatchStore {
  /** The token cached under `key`, or `null`. */
  getToken(key: string): Promise<TokenRecord | null>;
  /** Caches `record` under `key` unless the cached one was fetched later (never overwrite newer with older). */
  setToken(key: string, record: TokenRecord): Promise<void>;
  /** Drops the token under `key` only if it is still `token` (compare-and-invalidate). True when dropped. */
  invalidateToken(key: string, token: string): Promise<boolean>;

  /** Takes the lock `name` for `ttlMs` if nobody holds it: resolves a lease id, or `null` when held. */
  acquireLock(name: string, ttlMs: number): Promise<string | null>;
  /** Extends a lease still held with `leaseId`. False when the lease was lost (expired and taken). */
  extendLock(name: string, leaseId: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock if still held with `leaseId`. False otherwise. */
  releaseLock(name: string, leaseId: string): Promise<boolean>;

  /** Sets the mark `key` for `ttlMs` unless present. True for the first caller only (dedup). */
  setOnce(key: string, ttlMs: number): Promise<boolean>;

  /** Creates or replaces a job record; it expires `ttlMs` after this write. */
  saveJob(record: JobRecord, ttlMs: number): Promise<void>;
  /** The job record, or `null` when unknown or expired. */
  getJob(corpId: string, jobId: string): Promise<JobRecord | null>;
  /** The records of `corpId` still `pending` (used to resume jobs after a restart). */
  listPendingJobs(corpId: string): Promise<JobRecord[]>;

  /** Tells every instance (including this one) `message` on `channel`. */
  publish(channel: string, message: string): Promise<void>;
  /** Listens on `channel`; resolves a function that stops listening. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;

  /** Frees what the store opened itself (never a client the user passed in). */
  close?(): Promise<void>;
}
