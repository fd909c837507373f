import type { WeComBatchStore } from './stores/wecom-batch-store.interface.js';
import { WECOM_BATCH_DEFAULTS } from './wecom-batch.defaults.js';

// Each option is listed once here (type, JSDoc, `@default`) and its default once in WECOM_BATCH_DEFAULTS; the
// resolved type is derived from both. The compile-time checks at the end keep the defaults and the validation
// schema covering exactly these fields; wecom-batch.options.spec.ts keeps the `@default` tags equal to the values.

/**
 * Where WeCom sends the encrypted `batch_job_result` event of each job, and the keys it encrypts it with.
 * Sent with every job submission (`callback.url/token/encodingaeskey`).
 */
export interface WeComCallbackOptions {
  /**
   * Public http(s) URL that reaches this app's callback route (`callbackPath`), e.g.
   * `https://hr.example.com/wecom/batch/callback`. WeCom must be able to reach it from the internet.
   */
  url: string;
  /** Token used for the callback signature: letters and digits, at most 32 characters. */
  token: string;
  /** EncodingAESKey: exactly 43 characters of `[A-Za-z0-9]` (decodes to the 32-byte AES key). */
  encodingAESKey: string;
  /**
   * Further key pairs the callback route verifies deliveries with, tried after the current pair (`token` /
   * `encodingAESKey`, which is what new jobs are submitted with): the admin console's 通讯录同步 callback pair,
   * whose keys sign export completions, or the previous pair during a key rotation (a job submitted before the
   * rotation is still signed with it). Same rules as `token` / `encodingAESKey`. Never logged; logs name the
   * pair that verified a delivery by a short fingerprint.
   * @default []
   */
  acceptedKeys?: WeComCallbackKeyPair[] | undefined;
}

/** One callback Token + EncodingAESKey pair (an entry of `callback.acceptedKeys`). */
export interface WeComCallbackKeyPair {
  /** Token used for the callback signature: letters and digits, at most 32 characters. */
  token: string;
  /** EncodingAESKey: exactly 43 characters of `[A-Za-z0-9]` (decodes to the 32-byte AES key). */
  encodingAESKey: string;
}

/**
 * One corp's credentials as `resolveCorp` returns them. The other options (timings, store, queueing…) are the
 * registration's own.
 */
export interface WeComCorpCredentials {
  /** 企业ID (CorpID): must equal the one asked for. */
  corpId: string;
  /** The corp's 通讯录同步 secret. Never logged. */
  corpSecret: string;
  /**
   * The corp's callback keys and URL. Omitted: the registration's `callback` (one key pair for every corp). Its
   * `url` must reach the registration's callback route: deliveries are routed by CorpID there.
   */
  callback?: WeComCallbackOptions | undefined;
  /**
   * The corp's WeCom API base URL. One trusted IP (企业可信IP) can be registered by one corp only, so each corp may
   * need its own egress proxy. Omitted: the registration's `apiBaseUrl`.
   */
  apiBaseUrl?: string | undefined;
}

/** Retries of WeCom calls that failed with a transient error (-1, 45009, 45033, 6000, 302005, network). */
export interface WeComRetryOptions {
  /**
   * How many times a failed call is retried (so at most `maxRetries + 1` attempts). 0 disables retries.
   * @default 3
   */
  maxRetries?: number | undefined;
  /**
   * First backoff ceiling, doubled on each retry; each delay is random in [ceiling / 2, ceiling] (equal jitter).
   * @default 500
   */
  baseDelayMs?: number | undefined;
  /**
   * Upper bound of one backoff delay.
   * @default 30000
   */
  maxDelayMs?: number | undefined;
  /**
   * Delay before retrying after a frequency-limit answer (45009). WeCom blocks for the window that was
   * exceeded (60 s for per-minute limits).
   * @default 60000
   */
  rateLimitDelayMs?: number | undefined;
}

/** How jobs are tracked when the callback does not arrive (or no callback is configured). */
export interface WeComPollingOptions {
  /**
   * How long to wait for the callback before polling `batch/getresult`. Ignored without `callback`
   * (polling starts at once).
   * @default 30000
   */
  callbackGraceMs?: number | undefined;
  /**
   * First polling interval; grows ×2 up to `maxIntervalMs`.
   * @default 2000
   */
  initialIntervalMs?: number | undefined;
  /**
   * Largest polling interval.
   * @default 60000
   */
  maxIntervalMs?: number | undefined;
  /**
   * Give up tracking a job after this long (the job record stays pending and is resumed on restart).
   * @default 7200000 (2 h)
   */
  timeoutMs?: number | undefined;
}

/** Options of `WeComBatchModule.forRoot()` / the factory of `forRootAsync()`. */
export interface WeComBatchModuleOptions {
  /** 企业ID (CorpID), from 我的企业 → 企业信息. Also the receiveId checked in every callback. */
  corpId: string;
  /**
   * The 通讯录同步 secret (管理工具 → 通讯录同步 → API 接口同步, with 编辑通讯录 permission). Other apps'
   * secrets get 48002 on the batch APIs. Never logged.
   */
  corpSecret: string;
  /**
   * WeCom API base URL. Override for an egress proxy with a trusted IP (企业可信IP), a private deployment,
   * or the bundled simulator. A trailing `/cgi-bin` is accepted.
   * @default 'https://qyapi.weixin.qq.com'
   */
  apiBaseUrl?: string | undefined;
  /** Where WeCom sends job results. Omit to track jobs by polling `batch/getresult` alone. */
  callback?: WeComCallbackOptions | undefined;
  /**
   * State storage: tokens, job records, dedup marks, locks. Use `RedisStore` when the app runs on
   * several instances.
   * @default a new MemoryStore()
   */
  store?: WeComBatchStore | undefined;
  /**
   * Timeout of each HTTP request to WeCom.
   * @default 15000
   */
  requestTimeoutMs?: number | undefined;
  /** Retry policy for transient WeCom failures. */
  retry?: WeComRetryOptions | undefined;
  /** Polling policy for job completion. */
  polling?: WeComPollingOptions | undefined;
  /**
   * Refresh the access token this many seconds before it expires.
   * @default 300
   */
  tokenRefreshMarginSeconds?: number | undefined;
  /**
   * Callbacks whose `timestamp` is further than this from now are refused (replay protection).
   * @default 300
   */
  callbackReplayWindowSeconds?: number | undefined;
  /**
   * Largest callback body accepted; bigger bodies get 413 and the connection is closed (the rest of the upload
   * is not read). A real delivery is under 1 KB. At most 65536: the cap bounds what a forged body costs before
   * its signature is checked.
   * @default 16384
   */
  callbackMaxBodyBytes?: number | undefined;
  /**
   * How long the callback route waits for a delivery's body once its headers arrived; a slower body gets 408 and
   * the connection is closed. WeCom sends its sub-1 KB deliveries in one go and gives up after 5 s itself.
   * Applies to the built-in route on Express and Fastify (the app's own `requestTimeout` / `server.requestTimeout`
   * still bounds every route).
   * @default 3000
   */
  callbackBodyTimeoutMs?: number | undefined;
  /**
   * Answer WeCom's URL verification (GET with `echostr`, sent when the callback URL is saved in the admin console
   * or, per job, possibly never). Turn it off once the URL is saved: every GET then gets 403 and decrypts nothing.
   * @default true
   */
  callbackUrlVerification?: boolean | undefined;
  /**
   * Follow a signed `batch_job_result` for a JobId this module has no record of (a job submitted outside the
   * module, with the same callback keys): fetch its result and emit its events. Off: such a callback is
   * acknowledged and dropped, with a rate-limited log line. On: at most 100 such jobs are followed at once.
   * @default false
   */
  callbackFollowUnknownJobs?: boolean | undefined;
  /**
   * Fetch the per-row results (`batch/getresult`) when a job completes and persist them with the job.
   * @default true
   */
  fetchResults?: boolean | undefined;
  /**
   * WeCom runs one import per corp at a time (302008). `'queue'` starts a submission when the previous job
   * completes; `'fail-fast'` rejects it with a `WeComImportBusyError` instead.
   * @default 'queue'
   */
  importQueue?: 'queue' | 'fail-fast' | undefined;
  /**
   * How long a submission waits out WeCom's 302008 (an import this module did not start is running — another
   * system, or a job submitted by hand) before it fails with the 302008 `WeComApiError`. Separate from
   * `polling.timeoutMs`, which bounds how long a submitted job is followed.
   * @default 7200000 (2 h)
   */
  importBusyTimeoutMs?: number | undefined;
  /**
   * How long job records (with their result rows) are kept in the store.
   * @default 604800 (7 days)
   */
  jobRecordTtlSeconds?: number | undefined;
  /**
   * Allow RFC 4180 quoting in generated CSV (values containing `,` `"` or line breaks). Off by default:
   * whether WeCom's importer honours quotes is unconfirmed, so such values are rejected by validation.
   * @default false
   */
  allowCsvQuoting?: boolean | undefined;
  /**
   * At bootstrap, and every minute after, follow the jobs still pending in the store that this instance does not
   * follow yet (left by a restart, or by an instance that crashed). Several instances following one job is
   * harmless: only one emits its events.
   * @default true
   */
  resumePendingJobs?: boolean | undefined;
  /**
   * Records per file (`block_size`) of the exports (`exportUsers`, …) when the call does not say: an integer in
   * [10 000, 1 000 000]. Each file is held in memory while it is checked (its size and MD5 must match before any
   * of its rows is read, so a corrupted file never yields half its rows), so this bounds the memory of a read: an
   * `export/user` member is about 0.5–0.7 KB of ciphertext, so 50,000 members is a file of about 25–35 MB; WeCom's
   * own default of 1,000,000 would be a file of several hundred MB. More files cost only one download each.
   * @default 50000
   */
  exportBlockSize?: number | undefined;
  /**
   * The largest import file uploaded in one piece, in bytes. WeCom's media limit is 20 MB (20,971,520 bytes);
   * the default keeps a 64 KiB margin (20,905,984) for the multipart framing and for WeCom counting a little
   * differently. `syncUsers` whose CSV is larger runs as several `sync_user` jobs, split at row boundaries (each
   * file with the header, each within this size); `replaceUsers` / `replaceDepartments` over it throw
   * `WeComFileTooLargeError` before anything is uploaded. Lower it to test splitting, or if a proxy in between
   * caps uploads lower.
   * @default 20905984 (20 MiB − 64 KiB)
   */
  mediaLimitBytes?: number | undefined;
  /**
   * Corps served beside `corpId`, looked up when first needed (SaaS: credentials in your database): by
   * `batch.forCorp(corpId)`, and by the callback route for a delivery whose `ToUserName` is another CorpID.
   * Resolve `undefined` for a corp you do not serve (the route answers 403, and asks again only after a
   * minute). Each corp found gets its own token manager, import slot and tracker, over this registration's
   * store, created once and kept until `batch.forgetCorp(corpId)`. Omitted: only `corpId` is served.
   */
  resolveCorp?: ((corpId: string) => Promise<WeComCorpCredentials | undefined>) | undefined;
}

/** An option's value once defaults are applied: present, and for a group (`retry`, `polling`) every field present. */
export type Filled<T> = T extends object ? { [K in keyof T]-?: Exclude<T[K], undefined> } : T;

/** The defaulted part of the resolved options: the keys of WECOM_BATCH_DEFAULTS, typed as the input declares them. */
export type DefaultedOptions = {
  [K in keyof typeof WECOM_BATCH_DEFAULTS]: Filled<Exclude<WeComBatchModuleOptions[K], undefined>>;
};

/**
 * The options with every default applied, as the module's services receive them (internal: never handed to
 * users). `apiBaseUrl` comes without trailing slash and without `/cgi-bin`; `callback` is a copy.
 */
export interface ResolvedWeComBatchOptions
  extends Pick<WeComBatchModuleOptions, 'corpId' | 'corpSecret' | 'callback'>, DefaultedOptions {
  /** The registration's `name` (set by the module, not an option): carried by the events. */
  registration?: string | undefined;
}
