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

/** Rules of `callback` (every field required once the group is given). */
export class CallbackOptionsSchema {
  @IsUrl(HTTP_URL, { message: 'must be an http(s) URL' })
  url!: string;

  @IsString({ message: 'must be a string' })
  @Matches(/^[A-Za-z0-9]{1,32}$/, { message: 'must be 1 to 32 letters or digits' })
  token!: string;

  @IsString({ message: 'must be a string' })
  @Matches(/^[A-Za-z0-9]{43}$/, { message: 'must be exactly 43 characters of [A-Za-z0-9]' })
  encodingAESKey!: string;
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
  @IsOptional() @IsInt() @Min(512) callbackMaxBodyBytes?: number;
  @IsOptional() @IsBoolean() fetchResults?: boolean;
  @IsOptional() @IsIn(['queue', 'fail-fast']) importQueue?: 'queue' | 'fail-fast';
  @IsOptional() @IsInt() @Min(1) importBusyTimeoutMs?: number;
  @IsOptional() @IsInt() @Min(60) jobRecordTtlSeconds?: number;
  @IsOptional() @IsBoolean() allowCsvQuoting?: boolean;
  @IsOptional() @IsBoolean() resumePendingJobs?: boolean;
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
  const problems = flattenErrors(validateSync(schema, { forbidUnknownValues: false }));
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
