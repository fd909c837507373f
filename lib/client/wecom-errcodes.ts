/**
 * How the client treats WeCom errcodes (WeCom's global errcode list; see README → Errors). Everything not listed here is an
 * ordinary, non-retryable business error, returned to the caller as it is — 302008 (another import is
 * running) included: the submission (`batch/submission/job-submitter.service.ts`) waits it out, not the HTTP layer.
 */

/** The token was refused (invalid 40014, expired 42001): compare-and-invalidate, refresh, retry once. */
export const TOKEN_REJECTED_ERRCODES: ReadonlySet<number> = new Set([40014, 42001]);

/**
 * Transient: system busy (-1), version conflict (6000), frequency limit (45009), concurrency limit (45033),
 * batch system failure (302005). An errcode answer proves WeCom refused the request without doing anything,
 * so these are retried even for job submissions.
 */
export const RETRYABLE_ERRCODES: ReadonlySet<number> = new Set([-1, 6000, 45009, 45033, 302005]);

/** Frequency limit: WeCom blocks for the whole window that was exceeded (60 s for a per-minute limit). */
export const RATE_LIMITED_ERRCODE = 45009;

/**
 * The module is configured wrongly; retrying or refreshing the token cannot help, and repeated bad-secret
 * calls get the server's IP banned for an hour.
 */
export const CONFIG_ERRCODES: ReadonlySet<number> = new Set([
  40001, // bad secret
  40013, // bad CorpID
  40091, // secret of another corp / not a valid secret
  41001, // access_token missing
  41002, // corpid missing
  41004, // corpsecret missing
  48002, // API not allowed with this secret (needs the 通讯录同步 secret with API editing)
  60020, // IP not in 企业可信IP
  301042, // IP allow-list restriction
  2000002, // invalid CorpId
]);

/**
 * Another import of the corp is running (WeCom runs one at a time). Not an error of the HTTP layer: the
 * submission waits it out (`batch/submission`) and submits again.
 */
export const IMPORT_BUSY_ERRCODE = 302008;

/** `batch/getresult`: no such job (jobid不存在) — tracking it further cannot succeed. */
export const UNKNOWN_JOB_ERRCODE = 40088;

/** `batch/getresult`: the job finished, but WeCom dropped its rows (it keeps only the last 5 results). */
export const RESULTS_CLEANED_ERRCODE = 40089;

/**
 * 48009 "API接口无权限调用": the 通讯录同步 secret, called from a trusted IP added after 2022-08-15, may not read
 * directory details (user/get, user/list, department/list, the exports). The ID lists (`user/list_id`,
 * `department/simplelist`) still work: the export reader turns 48009 into `WeComDetailReadRestrictedError`.
 */
export const DETAIL_READ_RESTRICTED_ERRCODE = 48009;

/** 60020 "not allow to access from your ip": the server's egress IP is not in the corp's 企业可信IP list. */
export const UNTRUSTED_IP_ERRCODE = 60020;
