import { afterAll, afterEach, beforeAll, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { WeComConfigError } from '../../lib/errors/wecom-config.error.js';
import { WeComStoreError } from '../../lib/errors/wecom-store.error.js';
import { RedisStore } from '../../lib/stores/redis.store.js';
import { describeWithRedis, type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';
import { completedJob, inbox, pendingJob, uniqueName } from './store-contract.js';

// What only a Redis-backed store can get wrong: key layout and prefixes, expiry in Redis, connection handling.
describeWithRedis('RedisStore specifics', () => {
  let server: RedisServerHandle;
  let client: Redis;
  let admin: Redis;
  const stores: RedisStore[] = [];
  const clients: Redis[] = [];
  const track = (store: RedisStore): RedisStore => (stores.push(store), store);
  const newClient = (options: RedisOptions = {}): Redis => {
    const c = new Redis(server.port, server.host, { maxRetriesPerRequest: 1, ...options });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(server.port, server.host, { maxRetriesPerRequest: 1 });
    admin = new Redis(server.port, server.host, { maxRetriesPerRequest: 1, connectionName: 'admin' });
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
    jest.restoreAllMocks();
  });

  afterAll(async () => {
    await Promise.all([client?.quit(), admin?.quit()]);
    await server?.stop();
  });

  /** Exercises every kind of key and a channel. */
  async function useEveryKind(store: RedisStore): Promise<void> {
    await store.setToken('tok', { token: 't', fetchedAt: Date.now(), expiresAt: Date.now() + 60_000 });
    await store.acquireLock('lock', 60_000);
    await store.setOnce('mark', 60_000);
    await store.saveJob(pendingJob('corp', 'job'), 60_000);
    await store.subscribe('chan', () => undefined);
  }

  it('puts every key and channel under the key prefix (default "wecom-batch:")', async () => {
    const prefix = `${uniqueName('layout')}:`;
    await useEveryKind(track(new RedisStore(client, { keyPrefix: prefix })));
    const keys = await admin.keys(`${prefix}*`);
    expect(keys.sort()).toEqual(
      [
        `${prefix}job:{corp}:job`,
        `${prefix}lock:lock`,
        `${prefix}once:mark`,
        `${prefix}pending:{corp}`,
        `${prefix}token:tok`,
      ].sort(),
    );
    expect(await admin.pubsub('CHANNELS', `${prefix}*`)).toEqual([`${prefix}channel:chan`]);

    await admin.flushdb();
    await useEveryKind(track(new RedisStore(client)));
    const all = await admin.keys('*');
    expect(all.length).toBe(5);
    expect(all.every((k) => k.startsWith('wecom-batch:'))).toBe(true);
  });

  it('isolates two stores with different prefixes on one Redis', async () => {
    const a = track(new RedisStore(client, { keyPrefix: `${uniqueName('app-a')}:` }));
    const b = track(new RedisStore(client, { keyPrefix: `${uniqueName('app-b')}:` }));
    const now = Date.now();
    await a.setToken('tok', { token: 'a-token', fetchedAt: now, expiresAt: now + 60_000 });
    expect(await b.getToken('tok')).toBeNull();
    // b's older token must not be rejected because of a's newer one.
    await b.setToken('tok', { token: 'b-token', fetchedAt: now - 10, expiresAt: now + 60_000 });
    expect((await b.getToken('tok'))?.token).toBe('b-token');
    expect(await b.invalidateToken('tok', 'a-token')).toBe(false);
    expect((await a.getToken('tok'))?.token).toBe('a-token');

    expect(await a.acquireLock('lock', 60_000)).not.toBeNull();
    expect(await b.acquireLock('lock', 60_000)).not.toBeNull();
    expect(await a.setOnce('mark', 60_000)).toBe(true);
    expect(await b.setOnce('mark', 60_000)).toBe(true);

    await a.saveJob(pendingJob('corp', 'job-a'), 60_000);
    expect(await b.getJob('corp', 'job-a')).toBeNull();
    expect(await b.listPendingJobs('corp')).toEqual([]);

    const inA = inbox();
    const inB = inbox();
    await a.subscribe('chan', inA.handler);
    await b.subscribe('chan', inB.handler);
    await a.publish('chan', 'for-a');
    await b.publish('chan', 'for-b');
    expect(await inA.next()).toBe('for-a');
    expect(await inB.next()).toBe('for-b');
    expect(inA.messages).toEqual(['for-a']);
    expect(inB.messages).toEqual(['for-b']);
  });

  it('lets the token expire in Redis at its expiresAt', async () => {
    const store = track(new RedisStore(client, { keyPrefix: `${uniqueName('ttl')}:` }));
    const now = Date.now();
    await store.setToken('tok', { token: 't', fetchedAt: now, expiresAt: now + 150 });
    expect((await store.getToken('tok'))?.token).toBe('t');
    await sleep(300);
    expect(await store.getToken('tok')).toBeNull();

    await store.setToken('long', { token: 'l', fetchedAt: now, expiresAt: now + 7_200_000 });
    const pttl = await admin.pttl(`${(store as unknown as { keyPrefix: string }).keyPrefix}token:long`);
    expect(pttl).toBeGreaterThan(7_100_000);
    expect(pttl).toBeLessThanOrEqual(7_200_000);
  });

  it('prunes expired jobs from the pending index when listing, and drops completed ones at once', async () => {
    const prefix = `${uniqueName('index')}:`;
    const store = track(new RedisStore(client, { keyPrefix: prefix }));
    await store.saveJob(pendingJob('corp', 'expires'), 100);
    await store.saveJob(pendingJob('corp', 'stays'), 60_000);
    await store.saveJob(pendingJob('corp', 'completes'), 60_000);
    expect(await admin.scard(`${prefix}pending:{corp}`)).toBe(3);
    await store.saveJob(completedJob('corp', 'completes'), 60_000);
    expect(await admin.smembers(`${prefix}pending:{corp}`)).toHaveLength(2);
    await sleep(200);
    expect((await store.listPendingJobs('corp')).map((j) => j.jobId)).toEqual(['stays']);
    expect(await admin.smembers(`${prefix}pending:{corp}`)).toEqual(['stays']);
    // The index expires with its longest-lived job, so idle corps leave nothing behind.
    expect(await admin.pttl(`${prefix}pending:{corp}`)).toBeGreaterThan(59_000);
  });

  it('lists a large backlog of pending jobs (several script batches)', async () => {
    const store = track(new RedisStore(client, { keyPrefix: `${uniqueName('many')}:` }));
    await Promise.all([...Array(1200).keys()].map((i) => store.saveJob(pendingJob('corp', `job-${i}`), 60_000)));
    const pending = await store.listPendingJobs('corp');
    expect(pending).toHaveLength(1200);
    expect(new Set(pending.map((j) => j.jobId)).size).toBe(1200);
  });

  it('shares one pub/sub connection among all subscriptions, and close() closes it but not the user client', async () => {
    const own = newClient({ connectionName: 'user-client' });
    await own.ping();
    const named = async (): Promise<string[]> =>
      String(await admin.call('CLIENT', 'LIST'))
        .split('\n')
        .filter((line) => /name=user-client\b/.test(line));
    const store = new RedisStore(own, { keyPrefix: `${uniqueName('conn')}:` });
    expect(await named()).toHaveLength(1);
    const unsubscribers = await Promise.all(
      [...Array(10).keys()].map((i) => store.subscribe(`chan-${i % 4}`, () => undefined)),
    );
    expect(await named()).toHaveLength(2); // the user's client + one duplicate for pub/sub

    const channel = `${(store as unknown as { keyPrefix: string }).keyPrefix}channel:chan-0`;
    expect(await admin.pubsub('NUMSUB', channel)).toEqual([channel, 1]);
    await Promise.all(unsubscribers.filter((_, i) => i % 4 === 0).map((u) => u()));
    expect(await admin.pubsub('NUMSUB', channel)).toEqual([channel, 0]);

    await store.close();
    await store.close(); // idempotent
    await sleep(50);
    expect(await named()).toHaveLength(1);
    expect(own.status).toBe('ready');
    expect(await own.ping()).toBe('PONG');
  });

  it('rejects every method with a WeComStoreError after close()', async () => {
    const store = new RedisStore(client, { keyPrefix: `${uniqueName('closed')}:` });
    await store.close();
    const calls: Promise<unknown>[] = [
      store.getToken('k'),
      store.setToken('k', { token: 't', fetchedAt: 1, expiresAt: Date.now() + 1000 }),
      store.invalidateToken('k', 't'),
      store.acquireLock('l', 1000),
      store.extendLock('l', 'x', 1000),
      store.releaseLock('l', 'x'),
      store.setOnce('m', 1000),
      store.saveJob(pendingJob('c', 'j'), 1000),
      store.getJob('c', 'j'),
      store.listPendingJobs('c'),
      store.publish('ch', 'm'),
      store.subscribe('ch', () => undefined),
    ];
    for (const call of calls) await expect(call).rejects.toThrow(/RedisStore is closed/);
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(WeComStoreError);
  });

  it('keeps delivering to the other handlers when one handler throws (and logs it)', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const store = track(new RedisStore(client, { keyPrefix: `${uniqueName('throw')}:` }));
    const good = inbox();
    await store.subscribe('chan', () => {
      throw new Error('listener bug');
    });
    await store.subscribe('chan', good.handler);
    await store.publish('chan', 'one');
    await store.publish('chan', 'two');
    expect(await good.next()).toBe('one');
    expect(await good.next()).toBe('two');
    expect(error).toHaveBeenCalledWith(expect.stringContaining('listener bug'));
  });

  it('works with a client that has its own ioredis keyPrefix (keys are prefixed twice, consistently)', async () => {
    const prefixed = newClient({ keyPrefix: 'tenant-1:' });
    const prefix = `${uniqueName('double')}:`;
    const store = track(new RedisStore(prefixed, { keyPrefix: prefix }));
    await store.saveJob(pendingJob('corp', 'job-1'), 60_000);
    await store.saveJob(pendingJob('corp', 'job-2'), 60_000);
    await store.saveJob(completedJob('corp', 'job-2'), 60_000);
    expect((await store.listPendingJobs('corp')).map((j) => j.jobId)).toEqual(['job-1']);
    expect(await store.acquireLock('l', 60_000)).not.toBeNull();
    expect(await store.acquireLock('l', 60_000)).toBeNull();
    // Published through the prefixed client, received on its duplicate: both name the channel the same way.
    const received = inbox();
    const otherInstance = track(new RedisStore(newClient({ keyPrefix: 'tenant-1:' }), { keyPrefix: prefix }));
    await store.subscribe('chan', received.handler);
    await otherInstance.publish('chan', 'hello');
    expect(await received.next()).toBe('hello');
    expect((await admin.keys(`tenant-1:${prefix}*`)).sort()).toEqual(
      [`job:{corp}:job-1`, `job:{corp}:job-2`, 'lock:l', `pending:{corp}`].map((k) => `tenant-1:${prefix}${k}`).sort(),
    );
  });

  it('subscribes even when the user client refuses to queue commands while connecting', async () => {
    const strict = newClient({ enableOfflineQueue: false, autoResubscribe: false });
    await strict.ping().catch(() => undefined);
    while (strict.status !== 'ready') await sleep(5);
    const store = track(new RedisStore(strict, { keyPrefix: `${uniqueName('strict')}:` }));
    const received = inbox();
    await store.subscribe('chan', received.handler);
    await store.publish('chan', 'hello');
    expect(await received.next()).toBe('hello');
  });

  it('opens and closes its own connection when given a URL or ioredis options', async () => {
    const fromUrl = new RedisStore(server.url, { keyPrefix: `${uniqueName('url')}:` });
    const fromOptions = new RedisStore(
      { host: server.host, port: server.port, connectionName: 'store-owned' },
      { keyPrefix: `${uniqueName('opts')}:` },
    );
    expect(await fromUrl.setOnce('m', 60_000)).toBe(true);
    expect(await fromOptions.acquireLock('l', 60_000)).not.toBeNull();
    const received = inbox();
    await fromOptions.subscribe('chan', received.handler);
    await fromOptions.publish('chan', 'x');
    expect(await received.next()).toBe('x');
    const owned = async (): Promise<number> =>
      String(await admin.call('CLIENT', 'LIST'))
        .split('\n')
        .filter((line) => /name=store-owned\b/.test(line)).length;
    expect(await owned()).toBe(2);
    await fromOptions.close();
    await fromUrl.close();
    await sleep(50);
    expect(await owned()).toBe(0);
  });

  it('refuses invalid constructor arguments with a WeComConfigError naming the argument', () => {
    expect(() => new RedisStore(null as unknown as Redis)).toThrow(WeComConfigError);
    expect(() => new RedisStore(42 as unknown as Redis)).toThrow(/client must be an ioredis client/);
    expect(() => new RedisStore(client, { keyPrefix: 5 as unknown as string })).toThrow(/keyPrefix must be a string/);
    expect(() => new RedisStore(client, { operationTimeoutMs: -1 })).toThrow(/operationTimeoutMs/);
  });

  it('rejects a non-finite TTL with a WeComStoreError before touching Redis', async () => {
    const store = track(new RedisStore(client, { keyPrefix: `${uniqueName('ttl-bad')}:` }));
    await expect(store.acquireLock('l', Number.NaN)).rejects.toThrow(WeComStoreError);
    await expect(store.saveJob(pendingJob('c', 'j'), Infinity)).rejects.toThrow(/finite/);
  });
});
