import { WeComConfigError } from '../errors/wecom-config.error.js';
import { DEFAULT_REDIS_STORE_KEY_PREFIX } from './store-keys.js';

/**
 * An ioredis client (`new Redis(…)`, `new Cluster(…)`) as `RedisStore`'s declarations name it: only the members the
 * store checks, structurally, so the published types never import `ioredis` — an app without it (an optional
 * peer) compiles with `skipLibCheck: false`. Every ioredis 5 / 6 client satisfies it.
 */
export interface RedisStoreClient {
  duplicate(...args: never[]): unknown;
  evalsha(...args: never[]): unknown;
  publish(...args: never[]): unknown;
}

/**
 * ioredis connection options (`RedisOptions`: `host`, `port`, `password`, `tls`, …) for a connection the store
 * opens itself. Typed loosely so the declarations need no `ioredis` types; ioredis checks them when it connects.
 */
export type RedisConnectionOptions = object;

/** What `new RedisStore(target)` connects with: your ioredis client, a `redis://` URL, or ioredis options. */
export type RedisStoreTarget = RedisStoreClient | string | RedisConnectionOptions;

/** Options of `RedisStore`. */
export interface RedisStoreOptions {
  /**
   * Prepended to every key and pub/sub channel the store uses, so several apps (or several corps' modules)
   * can share one Redis database without seeing each other's state. Applied on top of the client's own
   * ioredis `keyPrefix`, if it has one. On Redis Cluster, keep `{` and `}` out of it: the job keys' hash tag is
   * the corp id.
   * @default 'wecom-batch:'
   */
  keyPrefix?: string | undefined;
  /**
   * Longest time one store operation may take before it rejects with a `WeComStoreError` (`timedOut: true`).
   * A safety net for a Redis that hangs (overloaded, network partition without a reset) — ioredis alone
   * would wait forever for such a reply unless the client sets `commandTimeout`. `0` disables it.
   * @default 3000
   */
  operationTimeoutMs?: number | undefined;
}

/** Default of {@link RedisStoreOptions.operationTimeoutMs}. */
export const DEFAULT_REDIS_STORE_OPERATION_TIMEOUT_MS = 3000;

/**
 * The options with their defaults, or a `WeComConfigError` naming every bad argument (`client` included: the
 * constructor's first argument). A URL is never echoed: it may hold the password.
 */
export function resolveRedisStoreArgs(client: unknown, options: RedisStoreOptions): Required<RedisStoreOptions> {
  const { keyPrefix = DEFAULT_REDIS_STORE_KEY_PREFIX, operationTimeoutMs = DEFAULT_REDIS_STORE_OPERATION_TIMEOUT_MS } =
    options;
  const problems: { field: string; message: string }[] = [];
  if (typeof keyPrefix !== 'string') problems.push({ field: 'keyPrefix', message: 'must be a string' });
  if (typeof operationTimeoutMs !== 'number' || !(operationTimeoutMs >= 0)) {
    problems.push({ field: 'operationTimeoutMs', message: 'must be a number ≥ 0 (0 disables the limit)' });
  }
  if (client === null || (typeof client !== 'object' && typeof client !== 'string')) {
    problems.push({
      field: 'client',
      message: 'must be an ioredis client, a redis:// URL or ioredis connection options',
    });
  }
  if (typeof client === 'string' && client.includes('://') && !URL.canParse(client)) {
    problems.push({ field: 'client', message: 'is not a valid redis:// URL' });
  }
  if (problems.length > 0) {
    throw new WeComConfigError(
      `Invalid RedisStore arguments: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
      problems,
    );
  }
  return { keyPrefix, operationTimeoutMs };
}
