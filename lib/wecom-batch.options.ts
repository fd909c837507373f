import 'reflect-metadata';
import { Type, plainToInstance } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { WeComConfigError, type WeComConfigProblem } from './errors/wecom-config.error.js';
import { invalidOptionsMessage } from './errors/messages.js';
import type { WeComBatchStore } from './stores/wecom-batch-store.interface.js';
import { DEFAULT_API_BASE_URL } from './wecom-batch.constants.js';

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
}

/** Retries of WeCom calls that failed with a transient error (-1, 45009, 45033, 6000, 302005, network). */
export interface WeComRetryOptions {
  /**
   * How many times a failed call is retried (so at most `maxRetries + 1` attempts). 0 disables retries.
   * @default 3
   */
  maxRetries?: number;
  /**
   * First backoff delay; doubled on each retry, with full jitter.
   * @default 500
   */
  baseDelayMs?: number;
  /**
   * Upper bound of one backoff delay.
   * @default 30000
   */
  maxDelayMs?: number;
  /**
   * Delay before retrying after a frequency-limit answer (45009). WeCom blocks for the window that was
   * exceeded (60 s for per-minute limits).
   * @default 60000
   */
  rateLimitDelayMs?: number;
}

/** How jobs are tracked when the callback does not arrive (or no callback is configured). */
export interface WeComPollingOptions {
  /**
   * How long to wait for the callback before polling `batch/getresult`. Ignored without `callback`
   * (polling starts at once).
   * @default 30000
   */
  callbackGraceMs?: number;
  /**
   * First polling interval; grows ×2 up to `maxIntervalMs`.
   * @default 2000
   */
  initialIntervalMs?: number;
  /**
   * Largest polling interval.
   * @default 60000
   */
  maxIntervalMs?: number;
  /**
   * Give up tracking a job after this long (the job record stays pending and is resumed on restart).
   * @default 7200000 (2 h)
   */
  timeoutMs?: number;
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
  apiBaseUrl?: string;
  /** Where WeCom sends job results. Omit to track jobs by polling `batch/getresult` alone. */
  callback?: WeComCallbackOptions;
  /**
   * State storage: tokens, job records, dedup marks, locks. Use `RedisStore` when the app runs on
   * several instances.
   * @default a new MemoryStore()
   */
  store?: WeComBatchStore;
  /**
   * Timeout of each HTTP request to WeCom.
   * @default 15000
   */
  requestTimeoutMs?: number;
  /** Retry policy for transient WeCom failures. */
  retry?: WeComRetryOptions;
  /** Polling policy for job completion. */
  polling?: WeComPollingOptions;
  /**
   * Refresh the access token this many seconds before it expires.
   * @default 300
   */
  tokenRefreshMarginSeconds?: number;
  /**
   * Callbacks whose `timestamp` is further than this from now are refused (replay protection).
   * @default 300
   */
  callbackReplayWindowSeconds?: number;
  /**
   * Largest callback body accepted; bigger bodies get 413. A real delivery is well under 2 KB.
   * @default 16384
   */
  callbackMaxBodyBytes?: number;
  /**
   * Fetch the per-row results (`batch/getresult`) when a job completes and persist them with the job.
   * @default true
   */
  fetchResults?: boolean;
  /**
   * WeCom runs one import per corp at a time (302008). `'queue'` starts a submission when the previous job
   * completes; `'fail-fast'` rejects it with a `WeComImportBusyError` instead.
   * @default 'queue'
   */
  importQueue?: 'queue' | 'fail-fast';
  /**
   * How long a submission waits out WeCom's 302008 (an import this module did not start is running — another
   * system, or a job submitted by hand) before it fails with the 302008 `WeComApiError`. Separate from
   * `polling.timeoutMs`, which bounds how long a submitted job is followed.
   * @default 7200000 (2 h)
   */
  importBusyTimeoutMs?: number;
  /**
   * How long job records (with their result rows) are kept in the store.
   * @default 604800 (7 days)
   */
  jobRecordTtlSeconds?: number;
  /**
   * Allow RFC 4180 quoting in generated CSV (values containing `,` `"` or line breaks). Off by default:
   * whether WeCom's importer honours quotes is unconfirmed, so such values are rejected by validation.
   * @default false
   */
  allowCsvQuoting?: boolean;
  /**
   * At bootstrap, and every minute after, follow the jobs still pending in the store that this instance does not
   * follow yet (left by a restart, or by an instance that crashed). Several instances following one job is
   * harmless: only one emits its events.
   * @default true
   */
  resumePendingJobs?: boolean;
}

/** The options with every default applied. */
export interface ResolvedWeComBatchOptions {
  corpId: string;
  corpSecret: string;
  /** Without trailing slash and without `/cgi-bin`. */
  apiBaseUrl: string;
  callback?: WeComCallbackOptions;
  requestTimeoutMs: number;
  retry: Required<WeComRetryOptions>;
  polling: Required<WeComPollingOptions>;
  tokenRefreshMarginSeconds: number;
  callbackReplayWindowSeconds: number;
  callbackMaxBodyBytes: number;
  fetchResults: boolean;
  importQueue: 'queue' | 'fail-fast';
  importBusyTimeoutMs: number;
  jobRecordTtlSeconds: number;
  allowCsvQuoting: boolean;
  resumePendingJobs: boolean;
}

const HTTP_URL: Parameters<typeof IsUrl>[0] = {
  protocols: ['http', 'https'],
  require_protocol: true,
  require_tld: false,
};

class CallbackOptionsSchema {
  @IsUrl(HTTP_URL, { message: 'must be an http(s) URL' })
  url!: string;

  @IsString({ message: 'must be a string' })
  @Matches(/^[A-Za-z0-9]{1,32}$/, { message: 'must be 1 to 32 letters or digits' })
  token!: string;

  @IsString({ message: 'must be a string' })
  @Matches(/^[A-Za-z0-9]{43}$/, { message: 'must be exactly 43 characters of [A-Za-z0-9]' })
  encodingAESKey!: string;
}

class RetryOptionsSchema {
  @IsOptional() @IsInt() @Min(0) @Max(10) maxRetries?: number;
  @IsOptional() @IsInt() @Min(0) baseDelayMs?: number;
  @IsOptional() @IsInt() @Min(0) maxDelayMs?: number;
  @IsOptional() @IsInt() @Min(0) rateLimitDelayMs?: number;
}

class PollingOptionsSchema {
  @IsOptional() @IsInt() @Min(0) callbackGraceMs?: number;
  @IsOptional() @IsInt() @Min(1) initialIntervalMs?: number;
  @IsOptional() @IsInt() @Min(1) maxIntervalMs?: number;
  @IsOptional() @IsInt() @Min(1) timeoutMs?: number;
}

/** class-validator schema of the options (the store is checked separately: it is an object, not data). */
class ModuleOptionsSchema {
  @IsString({ message: 'is required (a string: your CorpID)' })
  @IsNotEmpty({ message: 'is required (a string: your CorpID)' })
  @MaxLength(64)
  corpId!: string;

  @IsString({ message: 'is required (a string: the 通讯录同步 secret)' })
  @IsNotEmpty({ message: 'is required (a string: the 通讯录同步 secret)' })
  corpSecret!: string;

  @IsOptional()
  @IsUrl(HTTP_URL, { message: 'must be an http(s) URL' })
  apiBaseUrl?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => CallbackOptionsSchema)
  callback?: CallbackOptionsSchema;

  @IsOptional() @IsInt() @Min(1) requestTimeoutMs?: number;

  @IsOptional() @ValidateNested() @Type(() => RetryOptionsSchema) retry?: RetryOptionsSchema;

  @IsOptional() @ValidateNested() @Type(() => PollingOptionsSchema) polling?: PollingOptionsSchema;

  @IsOptional() @IsInt() @Min(0) tokenRefreshMarginSeconds?: number;
  @IsOptional() @IsInt() @Min(1) callbackReplayWindowSeconds?: number;
  @IsOptional() @IsInt() @Min(512) callbackMaxBodyBytes?: number;
  @IsOptional() @IsBoolean() fetchResults?: boolean;
  @IsOptional() @IsIn(['queue', 'fail-fast']) importQueue?: 'queue' | 'fail-fast';
  @IsOptional() @IsInt() @Min(1) importBusyTimeoutMs?: number;
  @IsOptional() @IsInt() @Min(60) jobRecordTtlSeconds?: number;
  @IsOptional() @IsBoolean() allowCsvQuoting?: boolean;
  @IsOptional() @IsBoolean() resumePendingJobs?: boolean;
}

const STORE_METHODS = [
  'getToken',
  'setToken',
  'invalidateToken',
  'acquireLock',
  'extendLock',
  'releaseLock',
  'setOnce',
  'saveJob',
  'getJob',
  'listPendingJobs',
  'publish',
  'subscribe',
] as const;

/**
 * Validates the options and applies the defaults. Throws a `WeComConfigError` that lists every invalid
 * field (never its value: some are secrets).
 */
export function resolveWeComBatchOptions(options: WeComBatchModuleOptions): ResolvedWeComBatchOptions {
  if (options === null || typeof options !== 'object') {
    const problems = [{ field: '(options)', message: 'must be an object' }];
    throw new WeComConfigError(invalidOptionsMessage(problems), problems);
  }
  const { store, ...data } = options;
  const schema = plainToInstance(ModuleOptionsSchema, data);
  const problems = flattenErrors(validateSync(schema, { forbidUnknownValues: false }));
  if (store !== undefined) {
    const missing = STORE_METHODS.filter(
      (m) => typeof (store as unknown as Record<string, unknown>)?.[m] !== 'function',
    );
    if (missing.length > 0) {
      problems.push({ field: 'store', message: `must implement WeComBatchStore (missing ${missing.join(', ')})` });
    }
  }
  if (problems.length > 0) throw new WeComConfigError(invalidOptionsMessage(problems), problems);

  return {
    corpId: options.corpId,
    corpSecret: options.corpSecret,
    apiBaseUrl: normalizeBaseUrl(options.apiBaseUrl ?? DEFAULT_API_BASE_URL),
    callback: options.callback ? { ...options.callback } : undefined,
    requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
    retry: {
      maxRetries: options.retry?.maxRetries ?? 3,
      baseDelayMs: options.retry?.baseDelayMs ?? 500,
      maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
      rateLimitDelayMs: options.retry?.rateLimitDelayMs ?? 60_000,
    },
    polling: {
      callbackGraceMs: options.polling?.callbackGraceMs ?? 30_000,
      initialIntervalMs: options.polling?.initialIntervalMs ?? 2_000,
      maxIntervalMs: options.polling?.maxIntervalMs ?? 60_000,
      timeoutMs: options.polling?.timeoutMs ?? 2 * 60 * 60 * 1000,
    },
    tokenRefreshMarginSeconds: options.tokenRefreshMarginSeconds ?? 300,
    callbackReplayWindowSeconds: options.callbackReplayWindowSeconds ?? 300,
    callbackMaxBodyBytes: options.callbackMaxBodyBytes ?? 16_384,
    fetchResults: options.fetchResults ?? true,
    importQueue: options.importQueue ?? 'queue',
    importBusyTimeoutMs: options.importBusyTimeoutMs ?? 2 * 60 * 60 * 1000,
    jobRecordTtlSeconds: options.jobRecordTtlSeconds ?? 7 * 24 * 3600,
    allowCsvQuoting: options.allowCsvQuoting ?? false,
    resumePendingJobs: options.resumePendingJobs ?? true,
  };
}

function normalizeBaseUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/cgi-bin$/, '');
}

function flattenErrors(errors: ValidationError[], prefix = ''): WeComConfigProblem[] {
  const problems: WeComConfigProblem[] = [];
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const constraints = Object.values(error.constraints ?? {});
    // One message per field is enough; the first is the most specific (decorators run bottom-up).
    if (constraints.length > 0) problems.push({ field, message: stripPropertyName(constraints[0], error.property) });
    if (error.children?.length) problems.push(...flattenErrors(error.children, field));
  }
  return problems;
}

/** class-validator's default messages start with the property name; the field is printed separately. */
function stripPropertyName(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}
