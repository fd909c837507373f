import { freezeDeep } from './internal/freeze-deep.util.js';
import { DEFAULT_API_BASE_URL } from './wecom-batch.constants.js';

/**
 * Every default of the module options, in one place: `resolveWeComBatchOptions` fills gaps from it, the
 * resolved options type is derived from its keys, and a unit spec checks that each `@default` tag of
 * `wecom-batch.options.ts` shows this value (so the JSDoc users read cannot drift from what runs).
 *
 * Nested groups mirror the option groups (`retry`, `polling`). `callback` has no default (omitted ⇒ polling
 * only) and neither has `store` (its default, a new `MemoryStore`, is an instance made at bootstrap).
 * Frozen: a caller that mutated it would change the defaults of every module in the process.
 */
export const WECOM_BATCH_DEFAULTS = freezeDeep({
  apiBaseUrl: DEFAULT_API_BASE_URL,
  requestTimeoutMs: 15_000,
  retry: {
    maxRetries: 3,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
    rateLimitDelayMs: 60_000,
  },
  polling: {
    callbackGraceMs: 30_000,
    initialIntervalMs: 2_000,
    maxIntervalMs: 60_000,
    timeoutMs: 2 * 60 * 60 * 1000,
  },
  tokenRefreshMarginSeconds: 300,
  callbackReplayWindowSeconds: 300,
  callbackMaxBodyBytes: 16_384,
  callbackBodyTimeoutMs: 3_000,
  callbackUrlVerification: true,
  callbackFollowUnknownJobs: false,
  fetchResults: true,
  importQueue: 'queue',
  importBusyTimeoutMs: 2 * 60 * 60 * 1000,
  jobRecordTtlSeconds: 7 * 24 * 3600,
  allowCsvQuoting: false,
  resumePendingJobs: true,
  exportBlockSize: 50_000,
  mediaLimitBytes: 20 * 1024 * 1024 - 64 * 1024,
} as const);

/** The shape of {@link WECOM_BATCH_DEFAULTS} (literal types: `importQueue` is `'queue'`, not a string). */
export type WeComBatchDefaults = typeof WECOM_BATCH_DEFAULTS;
