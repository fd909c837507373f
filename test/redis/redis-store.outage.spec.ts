import { afterAll, afterEach, beforeAll, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { WeComStoreError } from '../../lib/errors/wecom-store.error.js';
import { RedisStore } from '../../lib/stores/redis.store.js';
import { describeWithRedis, type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';
import { inbox, pendingJob, uniqueName } from './store-contract.js';

// Redis going away, hanging, coming back, and dropping a reply: every method fails with a WeComStoreError in
// bounded time, nothing is half-written, and the store works again — subscriptions included — once Redis is back.
describeWithRedis('RedisStore when Redis is down, hung or flaky', () => {
  let server: RedisServerHandle;
  const clients: Redis[] = [];
  const stores: RedisStore[] = [];

  const newClient = (options: RedisOptions = {}, port = server.port): Redis => {
    const client = new Redis(port, server.host, { maxRetriesPerRequest: 1, ...options });
    client.on('error', () => undefined); // expected while Redis is down; the store's own errors are asserted
    clients.push(client);
    return client;
  };
  const newStore = (client: Redis, operationTimeoutMs = 1500, keyPrefix = `${uniqueName('outage')}:`): RedisStore => {
    const store = new RedisStore(client, { keyPrefix, operationTimeoutMs });
    stores.push(store);
    return store;
  };

  /** Every method of the store, with arguments that would succeed on a healthy Redis. */
  const everyMethod = (store: RedisStore): Record<string, () => Promise<unknown>> => ({
    getToken: () => store.getToken('tok'),
    setToken: () => store.setToken('tok', { token: 't', fetchedAt: Date.now(), expiresAt: Date.now() + 60_000 }),
    invalidateToken: () => store.invalidateToken('tok', 't'),
    acquireLock: () => store.acquireLock('lock', 60_000),
    extendLock: () => store.extendLock('lock', 'lease', 60_000),
    releaseLock: () => store.releaseLock('lock', 'lease'),
    setOnce: () => store.setOnce('mark', 60_000),
    saveJob: () => store.saveJob(pendingJob('corp', 'job'), 60_000),
    getJob: () => store.getJob('corp', 'job'),
    listPendingJobs: () => store.listPendingJobs('corp'),
    publish: () => store.publish('probe-chan', 'm'),
    subscribe: () => store.subscribe('other-chan', () => undefined),
  });

  /** Calls every method at once; resolves each outcome and how long the slowest took. */
  async function callAll(store: RedisStore): Promise<{ results: Record<string, unknown>; elapsedMs: number }> {
    const started = Date.now();
    const entries = Object.entries(everyMethod(store));
    const settled = await Promise.allSettled(entries.map(([, call]) => call()));
    const results = Object.fromEntries(
      entries.map(([name], i) => [name, settled[i].status === 'rejected' ? settled[i].reason : 'resolved']),
    );
    return { results, elapsedMs: Date.now() - started };
  }

  async function until(check: () => Promise<unknown>, timeoutMs = 8000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await check();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(50);
      }
    }
  }

  beforeAll(async () => {
    server = await startRedisServer();
  });

  afterEach(async () => {
    server.resume();
    await Promise.all(stores.splice(0).map((s) => s.close()));
    for (const client of clients.splice(0)) client.disconnect();
    jest.restoreAllMocks();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('rejects every method with a WeComStoreError within the time limit while Redis is stopped, and recovers after a restart', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const keyPrefix = `${uniqueName('outage')}:`;
    const store = newStore(newClient(), 1500, keyPrefix);
    const peerStore = newStore(newClient(), 1500, keyPrefix);
    const received = inbox();
    await store.subscribe('chan', received.handler); // before the outage: must survive it
    await peerStore.saveJob(pendingJob('corp', 'before'), 60_000);

    await server.stop();
    const { results, elapsedMs } = await callAll(store);
    for (const [method, outcome] of Object.entries(results)) {
      expect([method, outcome]).toEqual([method, expect.any(WeComStoreError)]);
      expect((outcome as WeComStoreError).operation).toBe(method);
      expect((outcome as Error).message).toMatch(new RegExp(`^store operation ${method} failed: `));
    }
    // 1.5 s operationTimeoutMs plus scheduling slack: never the ~10 s of ioredis's default retries.
    expect(elapsedMs).toBeLessThan(2500);

    await server.restart();
    // A restarted Redis without persistence is empty; the store works again as soon as ioredis reconnects.
    await until(() => store.getToken('tok'));
    const { results: after } = await callAll(store);
    for (const [method, outcome] of Object.entries(after)) expect([method, outcome]).toEqual([method, 'resolved']);
    expect(await store.getJob('corp', 'job')).toEqual(pendingJob('corp', 'job'));

    // The subscription made before the outage was restored on the pub/sub connection's reconnect.
    await until(async () => {
      await peerStore.publish('chan', 'after-restart');
      await received.waitFor(1);
    });
    expect(received.messages[0]).toBe('after-restart');
  });

  it('bounds the wait by operationTimeoutMs even with ioredis defaults (20 retries per command)', async () => {
    const store = newStore(newClient({ maxRetriesPerRequest: 20 }), 400);
    await store.setOnce('warm-up', 60_000);
    await server.stop();
    const started = Date.now();
    const error = (await store.getJob('corp', 'job').catch((e: unknown) => e)) as WeComStoreError;
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(WeComStoreError);
    expect(error.timedOut).toBe(true);
    expect(error.message).toMatch(
      /did not answer within 400 ms \(operationTimeoutMs; connection (reconnecting|connecting)\)/,
    );
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(1500);
    await server.restart();
    await until(() => store.getJob('corp', 'job'));
  });

  it('times out on a hung Redis, and a timed-out job write is later applied whole (record and pending index)', async () => {
    const store = newStore(newClient(), 300);
    await store.saveJob(pendingJob('corp', 'warm-up'), 60_000);
    server.pause();
    const started = Date.now();
    const error = (await store
      .saveJob(pendingJob('corp', 'during-hang'), 60_000)
      .catch((e: unknown) => e)) as WeComStoreError;
    expect(Date.now() - started).toBeLessThan(1200);
    expect(error).toBeInstanceOf(WeComStoreError);
    expect(error.timedOut).toBe(true);
    expect(error.message).toContain('A write may still be applied, whole');
    await expect(store.getToken('tok')).rejects.toMatchObject({ operation: 'getToken', timedOut: true });

    server.resume();
    await until(() => store.getToken('tok'));
    // Never one without the other: the record and the index entry are written by one script.
    expect(await store.getJob('corp', 'during-hang')).toEqual(pendingJob('corp', 'during-hang'));
    expect((await store.listPendingJobs('corp')).map((j) => j.jobId).sort()).toEqual(['during-hang', 'warm-up']);
  });

  it("turns ioredis's own commandTimeout into a WeComStoreError with timedOut", async () => {
    const store = newStore(newClient({ commandTimeout: 200 }), 5000);
    await store.getToken('warm-up');
    server.pause();
    const error = (await store.getToken('tok').catch((e: unknown) => e)) as WeComStoreError;
    expect(error).toBeInstanceOf(WeComStoreError);
    expect(error.timedOut).toBe(true);
    expect(error.message).toContain('Command timed out');
    expect((error.cause as Error).message).toBe('Command timed out');
  });

  it('reports a lock or mark whose reply was lost (ioredis re-sends the command) as still ours', async () => {
    const proxy = await startReplyDroppingProxy(server.port);
    try {
      const client = newClient({ maxRetriesPerRequest: 5 }, proxy.port);
      const store = newStore(client, 5000);
      await store.setOnce('warm-up', 60_000); // loads the script, so the next call is a single EVALSHA

      proxy.dropNextReply();
      const lease = await store.acquireLock('import', 60_000);
      expect(lease).not.toBeNull();
      expect(proxy.dropped).toBe(1);
      // It is really held, with that lease.
      expect(await store.acquireLock('import', 60_000)).toBeNull();
      expect(await store.releaseLock('import', lease!)).toBe(true);

      proxy.dropNextReply();
      expect(await store.setOnce('callback:job-1', 60_000)).toBe(true);
      expect(proxy.dropped).toBe(2);
      expect(await store.setOnce('callback:job-1', 60_000)).toBe(false);

      // Control: a bare SET NX, as most lock libraries do it, reports its own write as someone else's here.
      proxy.dropNextReply();
      expect(await client.set('bare-set-nx', 'mine', 'PX', 60_000, 'NX')).toBeNull();
      expect(proxy.dropped).toBe(3);
    } finally {
      await proxy.close();
    }
  });
});

interface ReplyDroppingProxy {
  port: number;
  dropped: number;
  /** The next reply from Redis is not forwarded: the connection is cut instead, after Redis executed the command. */
  dropNextReply(): void;
  close(): Promise<void>;
}

/** A TCP proxy to Redis that can cut a connection right after Redis executed a command, losing its reply. */
async function startReplyDroppingProxy(redisPort: number): Promise<ReplyDroppingProxy> {
  let drop = false;
  const sockets = new Set<Socket>();
  const state = { dropped: 0 };
  const server: Server = createServer((downstream) => {
    const upstream = createConnection({ host: '127.0.0.1', port: redisPort });
    sockets.add(downstream).add(upstream);
    const closeBoth = (): void => {
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (drop) {
        drop = false;
        state.dropped++;
        closeBoth();
        return;
      }
      downstream.write(chunk);
    });
    downstream.on('close', closeBoth).on('error', closeBoth);
    upstream.on('close', closeBoth).on('error', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    get dropped() {
      return state.dropped;
    },
    dropNextReply: () => {
      drop = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
