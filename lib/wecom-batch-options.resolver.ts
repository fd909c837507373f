import { WeComConfigError } from './errors/wecom-config.error.js';
import { invalidOptionsMessage } from './errors/config.messages.js';
import { WECOM_BATCH_DEFAULTS } from './wecom-batch.defaults.js';
import type {
  CallbackOptionsSchema,
  ModuleOptionsSchema,
  PollingOptionsSchema,
  RetryOptionsSchema,
} from './wecom-batch-options.schema.js';
import { findOptionProblems } from './wecom-batch-options.schema.js';
import type {
  DefaultedOptions,
  Filled,
  ResolvedWeComBatchOptions,
  WeComBatchModuleOptions,
  WeComCallbackOptions,
  WeComPollingOptions,
  WeComRetryOptions,
} from './wecom-batch.options.js';

// Turns the options users write (wecom-batch.options.ts) into what the services receive: validation, defaults,
// normalisation — and the compile-time checks that keep the option listings from drifting apart.

/** The fields that get a default: every optional field but `callback` (none: polling only) and `store` (an instance). */
type DefaultedField = Exclude<
  {
    [K in keyof WeComBatchModuleOptions]-?: object extends Pick<WeComBatchModuleOptions, K> ? K : never;
  }[keyof WeComBatchModuleOptions],
  'callback' | 'store' | 'resolveCorp'
>;

/**
 * Validates the options and applies the defaults. Throws a `WeComConfigError` that lists every invalid
 * field (never its value: some are secrets).
 */
export function resolveWeComBatchOptions(options: WeComBatchModuleOptions): ResolvedWeComBatchOptions {
  if (options === null || typeof options !== 'object') {
    const problems = [{ field: '(options)', message: 'must be an object' }];
    throw new WeComConfigError(invalidOptionsMessage(problems), problems);
  }
  const problems = findOptionProblems(options);
  if (problems.length > 0) throw new WeComConfigError(invalidOptionsMessage(problems), problems);

  const defaulted = fill(WECOM_BATCH_DEFAULTS, options) as DefaultedOptions;
  return {
    ...defaulted,
    corpId: options.corpId,
    corpSecret: options.corpSecret,
    apiBaseUrl: normalizeBaseUrl(defaulted.apiBaseUrl),
    callback: options.callback ? { ...options.callback } : undefined,
  };
}

/**
 * A fresh, mutable copy of `defaults` where every field `given` sets (not `undefined`/`null`) wins, group by
 * group. Only the keys of `defaults` are read: unknown or extra keys of the input never reach the services.
 */
function fill(defaults: object, given: unknown): Record<string, unknown> {
  const source = (given ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, fallback] of Object.entries(defaults)) {
    out[key] =
      typeof fallback === 'object' && fallback !== null ? fill(fallback, source[key]) : (source[key] ?? fallback);
  }
  return out;
}

function normalizeBaseUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/cgi-bin$/, '');
}

// ---- compile-time checks: these types fail to compile when the listings drift apart ----

/** Compiles only for `true`. */
type Assert<T extends true> = T;
/** `true` when `A` and `B` are the same set of keys. */
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;

// Every defaulted field has a default of the declared type, and the defaults name no other field.
type _DefaultsCoverOptions = Assert<
  [DefaultedField, keyof typeof WECOM_BATCH_DEFAULTS] extends [keyof typeof WECOM_BATCH_DEFAULTS, DefaultedField]
    ? true
    : false
>;
type _DefaultsHaveDeclaredTypes = Assert<
  typeof WECOM_BATCH_DEFAULTS extends {
    readonly [K in DefaultedField]: Readonly<Filled<Exclude<WeComBatchModuleOptions[K], undefined>>>;
  }
    ? true
    : false
>;
// The validation schema has a rule group for every field (the store is checked by its methods).
type _SchemaCoversOptions = Assert<SameKeys<ModuleOptionsSchema, Omit<WeComBatchModuleOptions, 'store'>>>;
type _SchemaCoversCallback = Assert<SameKeys<CallbackOptionsSchema, WeComCallbackOptions>>;
type _SchemaCoversRetry = Assert<SameKeys<RetryOptionsSchema, WeComRetryOptions>>;
type _SchemaCoversPolling = Assert<SameKeys<PollingOptionsSchema, WeComPollingOptions>>;
