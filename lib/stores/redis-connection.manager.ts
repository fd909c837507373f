import type { Logger } from '@nestjs/common';
// Type-only: ioredis is an optional peer dependency, so nothing here may load it at run time except the lazy
// `import('ioredis')` used when the store is given connection options instead of a client.
import type { Redis, RedisOptions } from 'ioredis';
import { WeComConfigError } from '../errors/wecom-config.error.js';
import { errorMessage } from '../internal/safe-error.util.js';
import { withTimeout } from './redis-operation.util.js';

// Retries of a command while the connection is down, for a connection the store opens itself. ioredis's
// default (20) keeps a caller waiting ~10 s before it learns that Redis is gone.
const OWNED_CONNECTION_MAX_RETRIES = 2;
/**
 * ioredis's disconnect() of a connection that is already down arms a timer (`disconnectTimeout`, 2 s) that
 * nothing clears, holding up the app's shutdown; the connections the store opens have nothing left to flush.
 */
export const OWN_DISCONNECT_TIMEOUT_MS = 100;

/** What RedisStore connects with: the user's ioredis client, or a `redis://` URL / ioredis options. */
export type RedisTarget = Redis | string | RedisOptions;

/**
 * RedisStore's main connection: the user's client (never closed here), or one opened on first use from a URL or
 * options (closed by {@link RedisConnection.close}). Also the store's `closed` state, which the pub/sub
 * connection and every operation check.
 */
export class RedisConnection {
  /** Set when the store opens the connection itself (then `close()` closes it). */
  private readonly target?: string | RedisOptions;
  private clientPromise?: Promise<Redis>;
  private client?: Redis;
  private isClosed = false;

  /**
   * @param target the user's client, or a URL / options to open a connection from.
   * @param timeoutMs how long `close()` waits for QUIT before dropping the connection.
   * @param logger where connection errors are logged.
   * @param scrub removes credentials from text that is logged.
   */
  constructor(
    target: RedisTarget,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly scrub: (text: string) => string,
  ) {
    if (isRedisClient(target)) {
      this.client = target;
      this.clientPromise = Promise.resolve(target);
    } else {
      this.target = target;
    }
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** The main connection: the user's client, or the one opened from the given URL / options on first use. */
  connect(): Promise<Redis> {
    this.clientPromise ??= this.open();
    return this.clientPromise;
  }

  /** The ioredis status of the main connection (`ready`, `reconnecting`, …), for error messages. */
  status(): string {
    return this.client?.status ?? 'not created';
  }

  /** Logs the errors of a connection the store opened (once per distinct error, not on every retry). */
  watch(client: Redis, what: string): void {
    let lastError: string | undefined;
    client.on('error', (error: unknown) => {
      const message = this.scrub(errorMessage(error));
      if (message === lastError) return;
      lastError = message;
      this.logger.warn(`Redis ${what} error: ${message}`);
    });
    client.on('ready', () => {
      if (lastError !== undefined) this.logger.log(`Redis ${what} is back`);
      lastError = undefined;
    });
  }

  /** Marks the store closed and closes the main connection if the store opened it (a user's client stays open). */
  async close(): Promise<void> {
    this.isClosed = true;
    if (this.target === undefined || !this.clientPromise) return;
    const client = await this.clientPromise.catch(() => undefined);
    if (!client) return;
    if (client.status !== 'ready') {
      client.disconnect();
      return;
    }
    try {
      await withTimeout(client.quit(), this.timeoutMs);
    } catch {
      client.disconnect();
    }
  }

  private async open(): Promise<Redis> {
    let ioredis: { Redis?: typeof Redis; default?: typeof Redis };
    try {
      ioredis = (await import('ioredis')) as unknown as typeof ioredis;
    } catch (error) {
      if (isModuleNotFound(error)) {
        throw new WeComConfigError(
          'RedisStore was given connection options, which needs the optional peer dependency ioredis: ' +
            'run `npm install ioredis` (or pass your own ioredis client).',
          [{ field: 'store', message: 'ioredis is not installed' }],
        );
      }
      throw error;
    }
    // `Redis` is a named export in both module systems (ESM namespace of the CJS package, and require()).
    const RedisClass = (ioredis.Redis ?? ioredis.default) as typeof Redis;
    const ownConnectionDefaults: RedisOptions = {
      maxRetriesPerRequest: OWNED_CONNECTION_MAX_RETRIES,
      disconnectTimeout: OWN_DISCONNECT_TIMEOUT_MS,
    };
    const client =
      typeof this.target === 'string'
        ? new RedisClass(this.target, ownConnectionDefaults)
        : new RedisClass({ ...ownConnectionDefaults, ...this.target });
    this.watch(client, 'connection');
    this.client = client;
    if (this.isClosed) client.disconnect();
    return client;
  }
}

/** True for an ioredis client (duck-typed: the store must not load ioredis to check `instanceof`). */
export function isRedisClient(value: unknown): value is Redis {
  const candidate = value as Partial<Record<'duplicate' | 'evalsha' | 'publish', unknown>>;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof candidate.duplicate === 'function' &&
    typeof candidate.evalsha === 'function' &&
    typeof candidate.publish === 'function'
  );
}

/**
 * The passwords `target` connects with (client options, connection options, URL userinfo): the values the store's
 * redactor scrubs, since ioredis errors may quote them (the AUTH command's arguments).
 */
export function redisSecrets(target: RedisTarget): (string | undefined)[] {
  const options = (isRedisClient(target) ? target.options : typeof target === 'object' ? target : {}) as {
    password?: unknown;
    sentinelPassword?: unknown;
  };
  const strings = [options.password, options.sentinelPassword].filter((s): s is string => typeof s === 'string');
  return [...strings, urlPassword(target)];
}

function urlPassword(target: unknown): string | undefined {
  if (typeof target !== 'string') return undefined;
  try {
    return decodeURIComponent(new URL(target).password) || undefined;
  } catch {
    return undefined;
  }
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && errorMessage(error).includes('ioredis');
}
