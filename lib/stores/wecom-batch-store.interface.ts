import type { BatchJobCompletionSource, BatchResultRow, TrackedJobType } from '../model/batch-job.types.js';

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
  /**
   * The result rows, inline: jobs of up to 10,000 rows, and every job on a store without
   * `saveResultChunk` / `getResultChunk`. Absent when the rows are in chunks (`resultChunks`).
   */
  result?: BatchResultRow[];
  failedRows: number;
  /** Result rows of the job (inline or in chunks); absent on records written before chunking existed. */
  totalRows?: number;
  /**
   * Set when the rows are stored in this many chunks (`getResultChunk(corpId, jobId, 0 … resultChunks − 1)`),
   * each at most a few thousand rows and about 1 MB, instead of in `result`.
   */
  resultChunks?: number;
  /** With chunked rows: the first 10,000 failed rows (`errcode ≠ 0`), so they need no chunk read. */
  failedResult?: BatchResultRow[];
}

/**
 * What an export job's record keeps so that any instance — another one, or this one after a restart — can read
 * its files. `encodingAesKey` is a SECRET (it decrypts the corp's directory): kept only in the store, never
 * logged, never in an error or an event. Protect the store (Redis ACLs, TLS) accordingly.
 */
export interface JobExportInfo {
  /** The `encoding_aeskey` sent with the export: 43 characters of `[A-Za-z0-9]`, fresh for every export. */
  encodingAesKey: string;
  /** The `block_size` sent (members or departments per file). */
  blockSize: number;
  /** `export/taguser` only: the tag exported. */
  tagId?: number;
}

/** A job from submission to completion. Plain JSON data: stores may serialize it. */
export interface JobRecord {
  corpId: string;
  jobId: string;
  /** An import (`sync_user`, …) or an export (`export_user`, …) job. */
  jobType: TrackedJobType;
  mediaId?: string;
  /** Export jobs: what `export/*` was asked for, and the key its files are encrypted with. */
  export?: JobExportInfo;
  rows?: number;
  submittedAt: number;
  /**
   * Which callback key pair the job was submitted with: its fingerprint (12 hex digits of a SHA-256), never the
   * keys. WeCom signs the job's callback with that pair, so after a key rotation the pair must stay in
   * `callback.acceptedKeys` until no pending job carries its fingerprint. Absent without a `callback`, and in
   * records written before this field existed.
   */
  callbackKeyFingerprint?: string;
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

  /**
   * Optional (a store without it keeps every job's rows inline in its record, as before): stores chunk `index`
   * of a completed job's result rows, expiring `ttlMs` after this write like the record. Chunks are written in
   * order before the record that names them (`completion.resultChunks`); a chunk written again replaces the old
   * one. Keep each chunk a value of its own (RedisStore: one key of at most about 1 MB): that is what keeps a
   * 1,000,000-row result from being one huge value read or written at once.
   */
  saveResultChunk?(corpId: string, jobId: string, index: number, rows: BatchResultRow[], ttlMs: number): Promise<void>;
  /** Optional, with `saveResultChunk`: chunk `index` of the job's rows, or `null` when unknown or expired. */
  getResultChunk?(corpId: string, jobId: string, index: number): Promise<BatchResultRow[] | null>;

  /** Frees what the store opened itself (never a client the user passed in). */
  close?(): Promise<void>;
}
