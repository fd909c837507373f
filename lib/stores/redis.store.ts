import { Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
// Type-only: ioredis is an optional peer dependency, so nothing here may load it at run time except the lazy
// `import('ioredis')` used when the store is given connection options instead of a client.
import type { Redis, RedisOptions } from 'ioredis';
import { WeComBatchError } from '../errors/wecom-batch.error.js';
import { WeComConfigError } from '../errors/wecom-config.error.js';
import { WeComStoreError } from '../errors/wecom-store.error.js';
import type { JobRecord, TokenRecord, WeComBatchStore } from './wecom-batch-store.interface.js';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /**
   * Prepended to every key and pub/sub channel the store uses, so several apps (or several corps' modules)
   * can share one Redis database without seeing each other's state. Applied on top of the client's own
   * ioredis `keyPrefix`, if it has one.
   * @default 'wecom-batch:'
   */
  keyPrefix?: string;
  /**
   * Longest time one store operation may take before it rejects with a `WeComStoreError` (`timedOut: true`).
   * A safety net for a Redis that hangs (overloaded, network partition without a reset) — ioredis alone
   * would wait forever for such a reply unless the client sets `commandTimeout`. `0` disables it.
   * @default 3000
   */
  operationTimeoutMs?: number;
}

/** Default of {@link RedisStoreOptions.keyPrefix}. */
export const DEFAULT_REDIS_STORE_KEY_PREFIX = 'wecom-batch:';
const DEFAULT_OPERATION_TIMEOUT_MS = 3000;
// Retries of a command while the connection is down, for a connection the store opens itself. ioredis's
// default (20) keeps a caller waiting ~10 s before it learns that Redis is gone.
const OWNED_CONNECTION_MAX_RETRIES = 2;
// ioredis's disconnect() of a connection that is already down arms a timer (`disconnectTimeout`, 2 s) that
// nothing clears, holding up the app's shutdown; the connections the store opens have nothing left to flush.
const OWN_DISCONNECT_TIMEOUT_MS = 100;

/**
 * A Lua script run with EVALSHA (falling back to EVAL when Redis has not cached it, e.g. after a restart).
 * Scripts are how the store stays atomic: Redis runs each one without interleaving other commands.
 */
interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

// Never replace a token with one fetched earlier: a slow refresher must not overwrite a newer token
// (the race that makes peers' clusters flap between tokens).
const SET_TOKEN = script(`
local current = redis.call('HGET', KEYS[1], 'fetchedAt')
if current and tonumber(current) > tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'fetchedAt', ARGV[2], 'expiresAt', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`);

// Compare-and-invalidate: concurrent failures of an old token must not drop the one just refreshed.
const INVALIDATE_TOKEN = script(`
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`);

// SET NX PX, but idempotent for the same caller: ioredis re-sends a command whose reply was lost when the
// connection dropped, and a bare SET NX would then report our own lock (or mark) as someone else's.
const SET_IF_ABSENT_OR_MINE = script(`
local value = redis.call('GET', KEYS[1])
if value == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if value == ARGV[1] then
  if ARGV[3] == '1' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
  return 1
end
return 0`);

const EXTEND_IF_MINE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`);

const DELETE_IF_MINE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`);

// The record and the corp's pending index change together, so a crash or outage never leaves a pending job
// missing from the index (it would not be resumed) or a completed one in it.
const SAVE_JOB = script(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[4] == '1' then
  redis.call('SADD', KEYS[2], ARGV[3])
  if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
else
  redis.call('SREM', KEYS[2], ARGV[3])
end
return 1`);

// Reads the listed jobs and drops from the index the ids whose record has expired, in one step, so a
// record re-saved meanwhile cannot be dropped by mistake.
const READ_PENDING = script(`
local records = {}
for i = 2, #KEYS do
  local value = redis.call('GET', KEYS[i])
  if value then
    records[#records + 1] = value
  else
    redis.call('SREM', KEYS[1], ARGV[i - 1])
  end
end
return records`);

// How many ids one READ_PENDING call handles, to keep each script call (and its blocking time) small.
const PENDING_BATCH = 500;

type Handler = (message: string) => void;

interface ChannelState {
  readonly handlers: Set<Handler>;
  /** Settles when Redis confirmed the SUBSCRIBE. */
  readonly subscribed: Promise<unknown>;
}

/**
 * A store on Redis through ioredis: tokens, job records (with result rows), dedup marks, locks and completion
 * notices are shared by every instance of the app, so it can run behind a load balancer and restart without
 * losing or doubling work.
 *
 * Pass your own ioredis client (the store never closes it) — or a `redis://` URL / ioredis options, in which
 * case the store opens the connection itself and `close()` closes it. Pub/sub uses a second connection
 * (`client.duplicate()`), opened on the first `subscribe` and closed by `close()`.
 *
 * Every multi-key change is one Lua script, so an outage never leaves anything half-written. When Redis is
 * down or slow, every method rejects with a {@link WeComStoreError} — after at most `operationTimeoutMs`, or
 * sooner with the recommended client options `maxRetriesPerRequest: 2` and `commandTimeout: 2000`.
 *
 * @example
 * const redis = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 2, commandTimeout: 2000 });
 * WeComBatchModule.forRoot({ corpId, corpSecret, store: new RedisStore(redis, { keyPrefix: 'myapp:wecom:' }) });
 */
export class RedisStore implements WeComBatchStore {
  private readonly logger = new Logger(RedisStore.name);
  private readonly keyPrefix: string;
  private readonly operationTimeoutMs: number;
  /** Set when the store opens the connection itself (then `close()` closes it). */
  private readonly connection?: string | RedisOptions;
  private clientPromise?: Promise<Redis>;
  private client?: Redis;
  private subscriber?: Redis;
  private readonly channels = new Map<string, ChannelState>();
  private closed = false;

  /**
   * @param client your ioredis client (never closed by the store), or a `redis://` URL / ioredis options for a
   *   connection the store opens and closes itself (this needs the `ioredis` package installed).
   * @param options key prefix and time limit.
   */
  constructor(client: Redis | string | RedisOptions, options: RedisStoreOptions = {}) {
    const { keyPrefix = DEFAULT_REDIS_STORE_KEY_PREFIX, operationTimeoutMs = DEFAULT_OPERATION_TIMEOUT_MS } = options;
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
      // Not echoed: the URL may hold the password.
      problems.push({ field: 'client', message: 'is not a valid redis:// URL' });
    }
    if (problems.length > 0) {
      throw new WeComConfigError(
        `Invalid RedisStore arguments: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
        problems,
      );
    }
    this.keyPrefix = keyPrefix;
    this.operationTimeoutMs = operationTimeoutMs;
    if (isRedisClient(client)) {
      this.client = client;
      this.clientPromise = Promise.resolve(client);
    } else {
      this.connection = client;
    }
  }

  async getToken(key: string): Promise<TokenRecord | null> {
    return this.run('getToken', async (redis) => {
      const hash = await redis.hgetall(this.key('token', key));
      if (hash.token === undefined) return null;
      return { token: hash.token, expiresAt: Number(hash.expiresAt), fetchedAt: Number(hash.fetchedAt) };
    });
  }

  async setToken(key: string, record: TokenRecord): Promise<void> {
    // Expire with the token itself; relative to this host's clock, like `expiresAt`, so a skewed Redis clock
    // does not matter.
    const ttl = toPx('setToken', record.expiresAt - Date.now());
    await this.run('setToken', (redis) =>
      this.eval(
        redis,
        SET_TOKEN,
        [this.key('token', key)],
        [record.token, String(record.fetchedAt), String(record.expiresAt), ttl],
      ),
    );
  }

  async invalidateToken(key: string, token: string): Promise<boolean> {
    return this.run(
      'invalidateToken',
      async (redis) => (await this.eval(redis, INVALIDATE_TOKEN, [this.key('token', key)], [token])) === 1,
    );
  }

  async acquireLock(name: string, ttlMs: number): Promise<string | null> {
    const leaseId = randomUUID();
    let abandoned = false;
    try {
      const taken = await this.run('acquireLock', async (redis) => {
        // The caller gave up while we waited for the connection: don't take a lock nobody will hold.
        if (abandoned) return false;
        const result = await this.eval(
          redis,
          SET_IF_ABSENT_OR_MINE,
          [this.key('lock', name)],
          [leaseId, toPx('acquireLock', ttlMs), '1'],
          () => !abandoned,
        );
        return result === 1;
      });
      return taken ? leaseId : null;
    } catch (error) {
      // Timed out or failed for us, yet the command may already be on the wire (or queued by ioredis for after a
      // reconnect) and be applied once Redis answers: a lock held by nobody would then block every instance until
      // its lease ran out. A release with the same lease id, sent after it on the same connection, runs after it.
      abandoned = true;
      this.releaseLock(name, leaseId).catch(() => undefined);
      throw error;
    }
  }

  async extendLock(name: string, leaseId: string, ttlMs: number): Promise<boolean> {
    return this.run(
      'extendLock',
      async (redis) =>
        (await this.eval(redis, EXTEND_IF_MINE, [this.key('lock', name)], [leaseId, toPx('extendLock', ttlMs)])) === 1,
    );
  }

  async releaseLock(name: string, leaseId: string): Promise<boolean> {
    return this.run(
      'releaseLock',
      async (redis) => (await this.eval(redis, DELETE_IF_MINE, [this.key('lock', name)], [leaseId])) === 1,
    );
  }

  async setOnce(key: string, ttlMs: number): Promise<boolean> {
    const mark = randomUUID();
    return this.run(
      'setOnce',
      async (redis) =>
        (await this.eval(
          redis,
          SET_IF_ABSENT_OR_MINE,
          [this.key('once', key)],
          [mark, toPx('setOnce', ttlMs), '0'],
        )) === 1,
    );
  }

  async saveJob(record: JobRecord, ttlMs: number): Promise<void> {
    const json = JSON.stringify(record);
    await this.run('saveJob', (redis) =>
      this.eval(
        redis,
        SAVE_JOB,
        [this.jobKey(record.corpId, record.jobId), this.pendingKey(record.corpId)],
        [json, toPx('saveJob', ttlMs), record.jobId, record.status === 'pending' ? '1' : '0'],
      ),
    );
  }

  async getJob(corpId: string, jobId: string): Promise<JobRecord | null> {
    return this.run('getJob', async (redis) => {
      const json = await redis.get(this.jobKey(corpId, jobId));
      return json === null ? null : (JSON.parse(json) as JobRecord);
    });
  }

  async listPendingJobs(corpId: string): Promise<JobRecord[]> {
    return this.run('listPendingJobs', async (redis) => {
      const pendingKey = this.pendingKey(corpId);
      const ids = await redis.smembers(pendingKey);
      const records: JobRecord[] = [];
      for (let i = 0; i < ids.length; i += PENDING_BATCH) {
        const batch = ids.slice(i, i + PENDING_BATCH);
        const jsons = (await this.eval(
          redis,
          READ_PENDING,
          [pendingKey, ...batch.map((id) => this.jobKey(corpId, id))],
          batch,
        )) as string[];
        for (const json of jsons) {
          const record = JSON.parse(json) as JobRecord;
          // The index and the record change in one script; this only guards against records written by hand.
          if (record.status === 'pending') records.push(record);
        }
      }
      return records;
    });
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.run('publish', (redis) => redis.publish(this.channel(channel), message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    const fullChannel = this.channel(channel);
    let state: ChannelState | undefined;
    let abandoned = false;
    try {
      await this.run('subscribe', async () => {
        const subscriber = await this.subscriberConnection();
        if (abandoned) return;
        state = this.channels.get(fullChannel);
        if (!state) {
          // SUBSCRIBE is sent at once (ioredis keeps call order), so a later UNSUBSCRIBE never overtakes it.
          state = { handlers: new Set(), subscribed: subscriber.subscribe(fullChannel) };
          state.subscribed.catch(() => undefined);
          this.channels.set(fullChannel, state);
        }
        state.handlers.add(handler);
        await state.subscribed;
      });
    } catch (error) {
      // Failed or timed out: the caller has no way to unsubscribe, so the handler must not stay attached.
      abandoned = true;
      if (state) this.removeHandler(fullChannel, state, handler);
      throw error;
    }

    let subscribed = true;
    return async () => {
      if (!subscribed) return;
      subscribed = false;
      const state = this.channels.get(fullChannel);
      if (!state) return;
      const unsubscribed = this.removeHandler(fullChannel, state, handler);
      if (!unsubscribed) return;
      // The handler is already detached (it will not be called again); a failed UNSUBSCRIBE only leaves an
      // idle Redis subscription behind, so it is logged rather than thrown at a caller that is shutting down.
      await this.withTimeout(unsubscribed).catch((error: unknown) =>
        this.logger.warn(`could not unsubscribe from a channel: ${this.redact(errorMessage(error))}`),
      );
    };
  }

  /**
   * Closes the pub/sub connection, and the main connection when the store opened it (built from a URL or
   * options). A client you passed in stays open: close it yourself after the app shut down.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channels.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    // Nothing to flush on a pub/sub connection: drop it at once, even when Redis is unreachable.
    subscriber?.disconnect();
    if (this.connection !== undefined && this.clientPromise) {
      const client = await this.clientPromise.catch(() => undefined);
      if (client) await this.quit(client);
    }
  }

  /** Runs one store operation: bounded in time, every failure a `WeComStoreError` without secrets. */
  private async run<T>(operation: string, fn: (redis: Redis) => Promise<T>): Promise<T> {
    if (this.closed) throw new WeComStoreError(operation, 'the RedisStore is closed');
    try {
      return await this.withTimeout(this.connect().then(fn));
    } catch (error) {
      throw this.toStoreError(operation, error);
    }
  }

  private withTimeout<T>(work: Promise<T>): Promise<T> {
    if (this.operationTimeoutMs === 0) return work;
    // The command may still complete later: keep its eventual failure from becoming an unhandled rejection.
    work.catch(() => undefined);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OperationTimeout()), this.operationTimeoutMs);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  private toStoreError(operation: string, error: unknown): WeComBatchError {
    // Our own errors (missing ioredis, store closed) already say what to do.
    if (error instanceof WeComBatchError) return error;
    if (error instanceof OperationTimeout) {
      return new WeComStoreError(
        operation,
        `Redis did not answer within ${this.operationTimeoutMs} ms (operationTimeoutMs; connection ${this.status()}). ` +
          'A write may still be applied, whole, once Redis answers.',
        true,
      );
    }
    const message = this.redact(errorMessage(error));
    const timedOut = /command timed out/i.test(message);
    // A sanitized copy, not the ioredis error itself: that one carries the command's arguments (tokens).
    const cause = new Error(message);
    cause.name = error instanceof Error ? error.name : 'Error';
    if (error instanceof Error && error.stack) cause.stack = this.redact(error.stack);
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string') Object.assign(cause, { code });
    return new WeComStoreError(operation, `${message} (Redis connection ${this.status()})`, timedOut, { cause });
  }

  private status(): string {
    return this.client?.status ?? 'not created';
  }

  /** The main connection: the user's client, or the one opened from the given URL / options on first use. */
  private connect(): Promise<Redis> {
    this.clientPromise ??= this.openOwnConnection();
    return this.clientPromise;
  }

  private async openOwnConnection(): Promise<Redis> {
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
      typeof this.connection === 'string'
        ? new RedisClass(this.connection, ownConnectionDefaults)
        : new RedisClass({ ...ownConnectionDefaults, ...this.connection });
    this.watchConnection(client, 'connection');
    this.client = client;
    if (this.closed) client.disconnect();
    return client;
  }

  /** The pub/sub connection, shared by every subscription of this store. */
  private async subscriberConnection(): Promise<Redis> {
    if (this.subscriber) return this.subscriber;
    const client = await this.connect();
    if (this.subscriber) return this.subscriber;
    if (this.closed) throw new WeComStoreError('subscribe', 'the RedisStore is closed');
    // Whatever the main client says: subscriptions must queue until connected and come back after a reconnect,
    // or completion notices would silently stop arriving.
    const subscriber = client.duplicate({
      lazyConnect: false,
      enableOfflineQueue: true,
      autoResubscribe: true,
      disconnectTimeout: OWN_DISCONNECT_TIMEOUT_MS,
    });
    this.watchConnection(subscriber, 'pub/sub connection');
    subscriber.on('message', (channel: string, message: string) => this.dispatch(channel, message));
    this.subscriber = subscriber;
    return subscriber;
  }

  /** Logs the errors of a connection the store opened (once per distinct error, not on every retry). */
  private watchConnection(client: Redis, what: string): void {
    let lastError: string | undefined;
    client.on('error', (error: unknown) => {
      const message = this.redact(errorMessage(error));
      if (message === lastError) return;
      lastError = message;
      this.logger.warn(`Redis ${what} error: ${message}`);
    });
    client.on('ready', () => {
      if (lastError !== undefined) this.logger.log(`Redis ${what} is back`);
      lastError = undefined;
    });
  }

  private dispatch(channel: string, message: string): void {
    const state = this.channels.get(channel);
    if (!state) return;
    for (const handler of [...state.handlers]) {
      try {
        handler(message);
      } catch (error) {
        // A failing handler must not stop the others, nor break ioredis's reply parsing (we run inside it).
        this.logger.error(`a subscriber of a store channel threw: ${this.redact(errorMessage(error))}`);
      }
    }
  }

  /** Detaches `handler`; when it was the channel's last, forgets the channel and returns the UNSUBSCRIBE. */
  private removeHandler(fullChannel: string, state: ChannelState, handler: Handler): Promise<unknown> | undefined {
    state.handlers.delete(handler);
    if (state.handlers.size > 0 || this.channels.get(fullChannel) !== state) return undefined;
    this.channels.delete(fullChannel);
    const subscriber = this.subscriber;
    if (!subscriber) return undefined;
    const unsubscribed = subscriber.unsubscribe(fullChannel);
    unsubscribed.catch(() => undefined);
    return unsubscribed;
  }

  /**
   * EVALSHA, loading the script with EVAL when Redis does not have it cached (first use, restart, flush) — unless
   * `stillWanted()` says the caller has given up meanwhile.
   */
  private async eval(
    redis: Redis,
    s: Script,
    keys: string[],
    args: (string | number)[],
    stillWanted: () => boolean = () => true,
  ): Promise<unknown> {
    try {
      return await redis.evalsha(s.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!errorMessage(error).startsWith('NOSCRIPT') || !stillWanted()) throw error;
      return redis.eval(s.source, keys.length, ...keys, ...args);
    }
  }

  private async quit(client: Redis): Promise<void> {
    if (client.status !== 'ready') {
      client.disconnect();
      return;
    }
    try {
      await this.withTimeout(client.quit());
    } catch {
      client.disconnect();
    }
  }

  private key(kind: string, name: string): string {
    return `${this.keyPrefix}${kind}:${name}`;
  }

  // The corp id is the hash tag (`{…}`), so a job and its corp's pending index share a Redis Cluster slot, as
  // multi-key scripts require; ids are URI-encoded so `a:b`/`c` and `a`/`b:c` cannot collide.
  private jobKey(corpId: string, jobId: string): string {
    return `${this.keyPrefix}job:{${encodeURIComponent(corpId)}}:${encodeURIComponent(jobId)}`;
  }

  private pendingKey(corpId: string): string {
    return `${this.keyPrefix}pending:{${encodeURIComponent(corpId)}}`;
  }

  private channel(name: string): string {
    return `${this.keyPrefix}channel:${name}`;
  }

  /** Removes credentials from text that may reach logs or errors: URL userinfo and the configured passwords. */
  private redact(text: string): string {
    let result = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1***@');
    const options = (this.client?.options ?? (typeof this.connection === 'object' ? this.connection : {})) as {
      password?: unknown;
      sentinelPassword?: unknown;
    };
    for (const secret of [options.password, options.sentinelPassword, urlPassword(this.connection)]) {
      if (typeof secret === 'string' && secret.length >= 3) result = result.split(secret).join('***');
    }
    return result;
  }
}

class OperationTimeout extends Error {}

/** A TTL in whole milliseconds ≥ 1, as PX / PEXPIRE require (0 or a fraction is a Redis error). */
function toPx(operation: string, ms: number): string {
  if (!Number.isFinite(ms)) throw new WeComStoreError(operation, `the TTL must be a finite number of ms, got ${ms}`);
  return String(Math.max(1, Math.ceil(ms)));
}

function isRedisClient(value: unknown): value is Redis {
  const candidate = value as Partial<Record<'duplicate' | 'evalsha' | 'publish', unknown>>;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof candidate.duplicate === 'function' &&
    typeof candidate.evalsha === 'function' &&
    typeof candidate.publish === 'function'
  );
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && errorMessage(error).includes('ioredis');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function urlPassword(connection: unknown): string | undefined {
  if (typeof connection !== 'string') return undefined;
  try {
    return decodeURIComponent(new URL(connection).password) || undefined;
  } catch {
    return undefined;
  }
}
