/**
 * Every name the module stores state under, in one place. Callers say what they mean
 * (`STORE_KEYS.completionLock(corpId, jobId)`), never a prefix: the store adds its own namespace per kind
 * (RedisStore: `<keyPrefix><kind>:<name>`, see `redisKey`), so no segment is ever doubled.
 *
 * Everything is per corp: two corps on one store never share a token, a lock, a mark, a record or a channel.
 * The README's "Keys in Redis" table lists the resulting Redis keys; a test compares it with a real server.
 */
export const STORE_KEYS = {
  /** `getToken`/`setToken` name of a cached access token: per corp and credential (base URL + secret hash). */
  token: (corpId: string, credentialId: string): string => `${corpId}:${credentialId}`,
  /** Lock held by the one caller (cluster-wide) that fetches a new access token. */
  tokenRefreshLock: (corpId: string, credentialId: string): string => `token-refresh:${corpId}:${credentialId}`,
  /** Lock of the corp's import slot: WeCom runs one import per corp at a time (302008). */
  importSlotLock: (corpId: string): string => `import:${corpId}`,
  /** Short lock around the read-modify-write of one job record. */
  jobRecordLock: (corpId: string, jobId: string): string => `job:${corpId}:${jobId}`,
  /** Lease of the instance completing a job (fetch rows, persist, emit): exactly one per job. */
  completionLock: (corpId: string, jobId: string): string => `complete:${corpId}:${jobId}`,
  /** `setOnce` mark of a job's first `batch_job_result` delivery (dedup of WeCom's retries). */
  callbackMark: (corpId: string, jobId: string): string => `callback:${corpId}:${jobId}`,
  /** Pub/sub channel on which instances tell each other a job of the corp completed (message: the JobId). */
  jobsCompletedChannel: (corpId: string): string => `jobs-completed:${corpId}`,
} as const;
