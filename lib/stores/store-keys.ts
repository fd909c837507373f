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

/** Default of `RedisStoreOptions.keyPrefix`. */
export const DEFAULT_REDIS_STORE_KEY_PREFIX = 'wecom-batch:';

/**
 * The namespaces RedisStore puts a caller's name under, one per kind of state, so a lock and a mark of the same
 * name never collide. `job` and `pending` keys are built by {@link redisJobKey} / {@link redisPendingKey}.
 */
export const REDIS_KEY_KINDS = {
  /** A hash: `token`, `fetchedAt`, `expiresAt` (`getToken`/`setToken`). */
  token: 'token',
  /** A string holding the lease id (`acquireLock`/`extendLock`/`releaseLock`). */
  lock: 'lock',
  /** A string mark (`setOnce`). */
  once: 'once',
  /** A pub/sub channel (`publish`/`subscribe`); not a key. */
  channel: 'channel',
  /** A string holding a job record as JSON. */
  job: 'job',
  /** A set of the corp's pending job ids. */
  pending: 'pending',
  /** A string holding one chunk of a completed job's result rows as a JSON array (`saveResultChunk`). */
  rows: 'rows',
} as const;

/** One of {@link REDIS_KEY_KINDS}' values. */
export type RedisKeyKind = (typeof REDIS_KEY_KINDS)[keyof typeof REDIS_KEY_KINDS];

/** `<prefix><kind>:<name>`: the Redis key (or channel) of a single-key kind; `name` is a {@link STORE_KEYS} name. */
export function redisKey(prefix: string, kind: 'token' | 'lock' | 'once' | 'channel', name: string): string {
  return `${prefix}${kind}:${name}`;
}

// The corp id is the hash tag (`{…}`), so a job and its corp's pending index share a Redis Cluster slot, as the
// multi-key scripts SAVE_JOB and READ_PENDING require. Ids are URI-encoded so `a:b`/`c` and `a`/`b:c` cannot
// collide, and a `{` or `}` in an id cannot end the tag early.
function corpTag(corpId: string): string {
  return `{${encodeURIComponent(corpId)}}`;
}

/** `<prefix>job:{<corpId>}:<jobId>`: the key of one job record. */
export function redisJobKey(prefix: string, corpId: string, jobId: string): string {
  return `${prefix}${REDIS_KEY_KINDS.job}:${corpTag(corpId)}:${encodeURIComponent(jobId)}`;
}

/** `<prefix>pending:{<corpId>}`: the set of the corp's pending job ids (same hash slot as its job keys). */
export function redisPendingKey(prefix: string, corpId: string): string {
  return `${prefix}${REDIS_KEY_KINDS.pending}:${corpTag(corpId)}`;
}

/**
 * `<prefix>rows:{<corpId>}:<jobId>:<index>`: chunk `index` of a job's result rows (same slot as the job record,
 * though no script needs it: chunks are written one at a time, before the record that names them).
 */
export function redisRowsKey(prefix: string, corpId: string, jobId: string, index: number): string {
  return `${prefix}${REDIS_KEY_KINDS.rows}:${corpTag(corpId)}:${encodeURIComponent(jobId)}:${index}`;
}
