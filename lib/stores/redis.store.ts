import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
// Type-only: ioredis is an optional peer dependency, so nothing here may load it at run time (the connection
// manager imports it lazily when the store is given connection options instead of a client).
import type { Redis } from 'ioredis';
import { WeComBatchError } from '../errors/wecom-batch.error.js';
import { WeComStoreError } from '../errors/wecom-store.error.js';
import { Redactor } from '../internal/redactor.util.js';
import { errorMessage, safeCause } from '../internal/safe-error.util.js';
import { RedisConnection, redisSecrets, type RedisTarget } from './redis-connection.manager.js';
import { OperationTimeout, toPx, withTimeout } from './redis-operation.util.js';
import { RedisPubSub, type SubscribeAttempt } from './redis-pubsub.manager.js';
import {
  DELETE_IF_MINE,
  evalScript,
  EXTEND_IF_MINE,
  INVALIDATE_TOKEN,
  PENDING_BATCH,
  READ_PENDING,
  SAVE_JOB,
  SET_IF_ABSENT_OR_MINE,
  SET_TOKEN,
} from './redis-scripts.util.js';
import { type RedisStoreOptions, type RedisStoreTarget, resolveRedisStoreArgs } from './redis-store.options.js';
import { redisJobKey, redisKey, redisPendingKey, redisRowsKey } from './store-keys.js';
import type { BatchResultRow } from '../model/batch-job.types.js';
import type { JobRecord, TokenRecord, WeComBatchStore } from './wecom-batch-store.interface.js';

export type {
  RedisConnectionOptions,
  RedisStoreClient,
  RedisStoreOptions,
  RedisStoreTarget,
} from './redis-store.options.js';
export { DEFAULT_REDIS_STORE_KEY_PREFIX } from './store-keys.js';

/**
 * A store on Redis through ioredis: tokens, job records (with result rows), dedup marks, locks and completion
 * notices are shared by every instance of the app, so it can run behind a load balancer and restart without
 * losing or doubling work. The keys it writes are listed in the README ("Keys in Redis").
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
  /** Scrubs the Redis passwords (and URL userinfo) from every error and log line. */
  private readonly redactor: Redactor;
  private readonly connection: RedisConnection;
  private readonly pubsub: RedisPubSub;

  /**
   * @param client your ioredis client (never closed by the store), or a `redis://` URL / ioredis options for a
   *   connection the store opens and closes itself (this needs the `ioredis` package installed).
   * @param options key prefix and time limit.
   */
  constructor(target: RedisStoreTarget, options: RedisStoreOptions = {}) {
    // The public type is structural (no ioredis types in the declarations); inside, it is ioredis's own.
    const client = target as RedisTarget;
    const resolved = resolveRedisStoreArgs(client, options);
    this.keyPrefix = resolved.keyPrefix;
    this.operationTimeoutMs = resolved.operationTimeoutMs;
    this.redactor = new Redactor(redisSecrets(client));
    const scrub = (text: string): string => this.redactor.scrub(text);
    this.connection = new RedisConnection(client, this.operationTimeoutMs, this.logger, scrub);
    this.pubsub = new RedisPubSub(this.connection, this.logger, scrub);
  }

  async getToken(key: string): Promise<TokenRecord | null> {
    return this.run('getToken', async (redis) => {
      const hash = await redis.hgetall(redisKey(this.keyPrefix, 'token', key));
      if (hash.token === undefined) return null;
      return { token: hash.token, expiresAt: Number(hash.expiresAt), fetchedAt: Number(hash.fetchedAt) };
    });
  }

  async setToken(key: string, record: TokenRecord): Promise<void> {
    // Expire with the token itself; relative to this host's clock, like `expiresAt`, so a skewed Redis clock
    // does not matter.
    const ttl = toPx('setToken', record.expiresAt - Date.now());
    await this.run('setToken', (redis) =>
      evalScript(
        redis,
        SET_TOKEN,
        [redisKey(this.keyPrefix, 'token', key)],
        [record.token, String(record.fetchedAt), String(record.expiresAt), ttl],
      ),
    );
  }

  async invalidateToken(key: string, token: string): Promise<boolean> {
    return this.run(
      'invalidateToken',
      async (redis) =>
        (await evalScript(redis, INVALIDATE_TOKEN, [redisKey(this.keyPrefix, 'token', key)], [token])) === 1,
    );
  }

  async acquireLock(name: string, ttlMs: number): Promise<string | null> {
    const leaseId = randomUUID();
    let abandoned = false;
    try {
      const taken = await this.run('acquireLock', async (redis) => {
        // The caller gave up while we waited for the connection: don't take a lock nobody will hold.
        if (abandoned) return false;
        const result = await evalScript(
          redis,
          SET_IF_ABSENT_OR_MINE,
          [redisKey(this.keyPrefix, 'lock', name)],
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
    const key = redisKey(this.keyPrefix, 'lock', name);
    return this.run(
      'extendLock',
      async (redis) => (await evalScript(redis, EXTEND_IF_MINE, [key], [leaseId, toPx('extendLock', ttlMs)])) === 1,
    );
  }

  async releaseLock(name: string, leaseId: string): Promise<boolean> {
    const key = redisKey(this.keyPrefix, 'lock', name);
    return this.run('releaseLock', async (redis) => (await evalScript(redis, DELETE_IF_MINE, [key], [leaseId])) === 1);
  }

  async setOnce(key: string, ttlMs: number): Promise<boolean> {
    const mark = randomUUID();
    const onceKey = redisKey(this.keyPrefix, 'once', key);
    return this.run(
      'setOnce',
      async (redis) =>
        (await evalScript(redis, SET_IF_ABSENT_OR_MINE, [onceKey], [mark, toPx('setOnce', ttlMs), '0'])) === 1,
    );
  }

  async saveJob(record: JobRecord, ttlMs: number): Promise<void> {
    const json = JSON.stringify(record);
    const keys = [
      redisJobKey(this.keyPrefix, record.corpId, record.jobId),
      redisPendingKey(this.keyPrefix, record.corpId),
    ];
    await this.run('saveJob', (redis) =>
      evalScript(redis, SAVE_JOB, keys, [
        json,
        toPx('saveJob', ttlMs),
        record.jobId,
        record.status === 'pending' ? '1' : '0',
      ]),
    );
  }

  async getJob(corpId: string, jobId: string): Promise<JobRecord | null> {
    return this.run('getJob', async (redis) => {
      const json = await redis.get(redisJobKey(this.keyPrefix, corpId, jobId));
      return json === null ? null : (JSON.parse(json) as JobRecord);
    });
  }

  /** One key per chunk (`rows:{<corpId>}:<jobId>:<index>`, at most about 1 MB), with the record's TTL. */
  async saveResultChunk(
    corpId: string,
    jobId: string,
    index: number,
    rows: BatchResultRow[],
    ttlMs: number,
  ): Promise<void> {
    const json = JSON.stringify(rows);
    const key = redisRowsKey(this.keyPrefix, corpId, jobId, index);
    await this.run('saveResultChunk', (redis) => redis.set(key, json, 'PX', toPx('saveResultChunk', ttlMs)));
  }

  async getResultChunk(corpId: string, jobId: string, index: number): Promise<BatchResultRow[] | null> {
    return this.run('getResultChunk', async (redis) => {
      const json = await redis.get(redisRowsKey(this.keyPrefix, corpId, jobId, index));
      return json === null ? null : (JSON.parse(json) as BatchResultRow[]);
    });
  }

  async listPendingJobs(corpId: string): Promise<JobRecord[]> {
    return this.run('listPendingJobs', async (redis) => {
      const pendingKey = redisPendingKey(this.keyPrefix, corpId);
      const ids = await redis.smembers(pendingKey);
      const records: JobRecord[] = [];
      for (let i = 0; i < ids.length; i += PENDING_BATCH) {
        const batch = ids.slice(i, i + PENDING_BATCH);
        const jobKeys = batch.map((id) => redisJobKey(this.keyPrefix, corpId, id));
        const jsons = (await evalScript(redis, READ_PENDING, [pendingKey, ...jobKeys], batch)) as string[];
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
    await this.run('publish', (redis) => redis.publish(redisKey(this.keyPrefix, 'channel', channel), message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    const fullChannel = redisKey(this.keyPrefix, 'channel', channel);
    const attempt: SubscribeAttempt = { abandoned: false };
    try {
      await this.run('subscribe', () => this.pubsub.add(fullChannel, handler, attempt));
    } catch (error) {
      // Failed or timed out: the caller has no way to unsubscribe, so the handler must not stay attached.
      attempt.abandoned = true;
      if (attempt.state) this.pubsub.remove(fullChannel, handler, attempt.state);
      throw error;
    }

    let subscribed = true;
    return async () => {
      if (!subscribed) return;
      subscribed = false;
      const unsubscribed = this.pubsub.remove(fullChannel, handler);
      if (!unsubscribed) return;
      // The handler is already detached (it will not be called again); a failed UNSUBSCRIBE only leaves an
      // idle Redis subscription behind, so it is logged rather than thrown at a caller that is shutting down.
      await withTimeout(unsubscribed, this.operationTimeoutMs).catch((error: unknown) =>
        this.logger.warn(`could not unsubscribe from a channel: ${this.redactor.scrub(errorMessage(error))}`),
      );
    };
  }

  /**
   * Closes the pub/sub connection, and the main connection when the store opened it (built from a URL or
   * options). A client you passed in stays open: close it yourself after the app shut down.
   */
  async close(): Promise<void> {
    if (this.connection.closed) return;
    const closing = this.connection.close(); // marks the store closed at once
    this.pubsub.close();
    await closing;
  }

  /** Runs one store operation: bounded in time, every failure a `WeComStoreError` without secrets. */
  private async run<T>(operation: string, fn: (redis: Redis) => Promise<T>): Promise<T> {
    if (this.connection.closed) throw new WeComStoreError(operation, 'the RedisStore is closed');
    try {
      return await withTimeout(this.connection.connect().then(fn), this.operationTimeoutMs);
    } catch (error) {
      throw this.toStoreError(operation, error);
    }
  }

  private toStoreError(operation: string, error: unknown): WeComBatchError {
    // Our own errors (missing ioredis, store closed) already say what to do.
    if (error instanceof WeComBatchError) return error;
    const status = this.connection.status();
    if (error instanceof OperationTimeout) {
      return new WeComStoreError(
        operation,
        `Redis did not answer within ${this.operationTimeoutMs} ms (operationTimeoutMs; connection ${status}). ` +
          'A write may still be applied, whole, once Redis answers.',
        true,
      );
    }
    // A sanitized copy, not the ioredis error itself: that one carries the command's arguments (tokens).
    const cause = safeCause(error, (text) => this.redactor.scrub(text));
    const timedOut = /command timed out/i.test(cause.message);
    return new WeComStoreError(operation, `${cause.message} (Redis connection ${status})`, timedOut, { cause });
  }
}
