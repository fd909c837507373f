import 'reflect-metadata';
import { Type, plainToInstance } from 'class-transformer';
import {
  IsArray,
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
  ValidateBy,
  ValidateNested,
  getMetadataStorage,
  validateSync,
  ValidationTypes,
  type ValidationError,
} from 'class-validator';
import { misplacedExtraMessage, unknownOptionMessage } from './errors/config.messages.js';
import { closestKey } from './internal/closest-key.util.js';
import { WECOM_BATCH_EXTRA_KEYS } from './wecom-batch.constants.js';
import type { WeComConfigProblem } from './errors/wecom-config.error.js';
import type { WeComBatchStore } from './stores/wecom-batch-store.interface.js';

// The boot-time validation of the options. The classes mirror the option interfaces group by group
// (`wecom-batch.options.ts` fails to compile when a field is missing here), and hold only the rules: the
// defaults live in WECOM_BATCH_DEFAULTS, the documentation on the interfaces.

const HTTP_URL: Parameters<typeof IsUrl>[0] = {
  protocols: ['http', 'https'],
  require_protocol: true,
  require_tld: false,
};

/** Rules of one entry of `callback.acceptedKeys`: the same as the current pair's. */
export class CallbackKeyPairSchema {
  @IsString({ message: 'must be a string' })
  @Matches(/^[A-Za-z0-9]{1,32}$/, { message: 'must be 1 to 32 letters or digits' })
  token!: string;

  @IsString({ message: 'must be a string' })
  @Matches(/^[A-Za-z0-9]{43}$/, { message: 'must be exactly 43 characters of [A-Za-z0-9]' })
  encodingAESKey!: string;
}

/** Rules of `callback` (every field required once the group is given, but `acceptedKeys`). */
export class CallbackOptionsSchema {
  @IsUrl(HTTP_URL, { message: 'must be an http(s) URL' })
  url!: string;

  @IsString({ message: 'must be a string' })
  @Matches(/^[A-Za-z0-9]{1,32}$/, { message: 'must be 1 to 32 letters or digits' })
  token!: string;

  @IsString({ message: 'must be a string' })
  @Matches(/^[A-Za-z0-9]{43}$/, { message: 'must be exactly 43 characters of [A-Za-z0-9]' })
  encodingAESKey!: string;

  @IsOptional()
  @IsArray({ message: 'must be an array of { token, encodingAESKey }' })
  @ValidateNested({ each: true, message: 'each entry must be an object { token, encodingAESKey }' })
  @Type(() => CallbackKeyPairSchema)
  acceptedKeys?: CallbackKeyPairSchema[];
}

/** Rules of `retry`. */
export class RetryOptionsSchema {
  @IsOptional() @IsInt() @Min(0) @Max(10) maxRetries?: number;
  @IsOptional() @IsInt() @Min(0) baseDelayMs?: number;
  @IsOptional() @IsInt() @Min(0) maxDelayMs?: number;
  @IsOptional() @IsInt() @Min(0) rateLimitDelayMs?: number;
}

/** Rules of `polling`. */
export class PollingOptionsSchema {
  @IsOptional() @IsInt() @Min(0) callbackGraceMs?: number;
  @IsOptional() @IsInt() @Min(1) initialIntervalMs?: number;
  @IsOptional() @IsInt() @Min(1) maxIntervalMs?: number;
  @IsOptional() @IsInt() @Min(1) timeoutMs?: number;
}

/** Rules of the top-level options (the store is checked separately: it is an object, not data). */
export class ModuleOptionsSchema {
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
  @IsOptional() @IsInt() @Min(512) @Max(65_536) callbackMaxBodyBytes?: number;
  @IsOptional() @IsInt() @Min(100) @Max(60_000) callbackBodyTimeoutMs?: number;
  @IsOptional() @IsBoolean() callbackUrlVerification?: boolean;
  @IsOptional() @IsBoolean() callbackFollowUnknownJobs?: boolean;
  @IsOptional() @IsBoolean() fetchResults?: boolean;
  @IsOptional() @IsIn(['queue', 'fail-fast']) importQueue?: 'queue' | 'fail-fast';
  @IsOptional() @IsInt() @Min(1) importBusyTimeoutMs?: number;
  @IsOptional() @IsInt() @Min(60) jobRecordTtlSeconds?: number;
  @IsOptional() @IsBoolean() allowCsvQuoting?: boolean;
  @IsOptional() @IsBoolean() resumePendingJobs?: boolean;
  @IsOptional() @IsInt() @Min(10_000) @Max(1_000_000) exportBlockSize?: number;
  @IsOptional() @IsInt() @Min(1024) @Max(20_971_520) mediaLimitBytes?: number;

  @IsOptional()
  @ValidateBy({
    name: 'isFunction',
    validator: {
      validate: (value: unknown) => typeof value === 'function',
      defaultMessage: () => 'must be a function (corpId) => Promise<WeComCorpCredentials | undefined>',
    },
  })
  resolveCorp?: unknown;
}

/** The methods a store must have: every non-optional method of `WeComBatchStore` (`close` is optional). */
type RequiredStoreMethod = {
  [K in keyof WeComBatchStore]-?: object extends Pick<WeComBatchStore, K> ? never : K;
}[keyof WeComBatchStore];

// A record keyed by the interface's methods, not a hand-kept array: the compiler rejects it when the interface
// gains a method this list lacks, or when it names something the interface does not have.
const STORE_METHOD_SET: { readonly [K in RequiredStoreMethod]: true } = {
  getToken: true,
  setToken: true,
  invalidateToken: true,
  acquireLock: true,
  extendLock: true,
  releaseLock: true,
  setOnce: true,
  saveJob: true,
  getJob: true,
  listPendingJobs: true,
  publish: true,
  subscribe: true,
};

/** The methods checked on a user's `store` at bootstrap (derived from `WeComBatchStore` by the compiler). */
export const STORE_METHODS = Object.freeze(Object.keys(STORE_METHOD_SET) as RequiredStoreMethod[]);

/**
 * Every problem of the options, each naming its dotted field (never its value: some are secrets). Empty when
 * they are valid.
 */
export function findOptionProblems(options: object): WeComConfigProblem[] {
  const { store, ...data } = options as { store?: unknown };
  const schema = plainToInstance(ModuleOptionsSchema, data);
  // Unknown keys are refused at every level (`callbak`, `polling.callbackGrace`): ignored, a misspelt group would
  // boot an app that silently runs without it. The known keys are the schema's own, so a new option is known as
  // soon as it has its rule here.
  const errors = validateSync(schema, { forbidUnknownValues: false, whitelist: true, forbidNonWhitelisted: true });
  const problems = flattenErrors(errors);
  if (store !== undefined) {
    const missing = STORE_METHODS.filter((m) => typeof (store as Record<string, unknown> | null)?.[m] !== 'function');
    if (missing.length > 0) {
      problems.push({ field: 'store', message: `must implement WeComBatchStore (missing ${missing.join(', ')})` });
    }
  }
  return problems;
}

function flattenErrors(errors: ValidationError[], prefix = ''): WeComConfigProblem[] {
  const problems: WeComConfigProblem[] = [];
  for (const error of errors) {
    // Array entries read as `callback.acceptedKeys[1].token`, the way the user wrote them.
    const field = !prefix
      ? error.property
      : /^\d+$/.test(error.property)
        ? `${prefix}[${error.property}]`
        : `${prefix}.${error.property}`;
    if (error.constraints?.[ValidationTypes.WHITELIST] !== undefined) {
      problems.push({ field, message: unknownKeyMessage(error, prefix === '') });
      continue;
    }
    const constraints = Object.values(error.constraints ?? {});
    // One message per field is enough; the first is the most specific (decorators run bottom-up).
    if (constraints.length > 0) problems.push({ field, message: stripPropertyName(constraints[0], error.property) });
    if (error.children?.length) problems.push(...flattenErrors(error.children, field));
  }
  return problems;
}

/** A key the schema does not know: a registration extra in the wrong place, or a misspelling of a known key. */
function unknownKeyMessage(error: ValidationError, topLevel: boolean): string {
  const key = error.property;
  if (topLevel && (WECOM_BATCH_EXTRA_KEYS as readonly string[]).includes(key)) return misplacedExtraMessage(key);
  const known = new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas((error.target ?? {}).constructor, '', true, false)
      .map((metadata) => metadata.propertyName),
  );
  // The store is validated apart from the schema; the extras are suggested so `isGlobl` finds `isGlobal`.
  if (topLevel) for (const extra of ['store', ...WECOM_BATCH_EXTRA_KEYS]) known.add(extra);
  return unknownOptionMessage(closestKey(key, known));
}

/** class-validator's default messages start with the property name; the field is printed separately. */
function stripPropertyName(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}
