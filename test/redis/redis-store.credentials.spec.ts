import { afterAll, afterEach, beforeAll, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { inspect } from 'node:util';
import { WeComConfigError } from '../../lib/errors/wecom-config.error.js';
import { WeComStoreError } from '../../lib/errors/wecom-store.error.js';
import { RedisStore } from '../../lib/stores/redis.store.js';
import { describeWithRedis, type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';
import { uniqueName } from './store-contract.js';

// A Redis with a password: the store connects with it, and the password never shows up in an error (message,
// stack, cause, inspected object) or a log line — ioredis's own errors carry it (the AUTH command's arguments).
describeWithRedis('RedisStore with a password-protected Redis', () => {
  const password = 'pw-Sup3r-S3cret-42';
  const wrongPassword = 'pw-Wr0ng-S3cret-77';
  let server: RedisServerHandle;
  const stores: RedisStore[] = [];
  const clients: Redis[] = [];
  let logged: string[] = [];

  const track = (store: RedisStore): RedisStore => (stores.push(store), store);

  /** Everything a user could see of an error: message, stack, cause chain, util.inspect, JSON. */
  function everythingAbout(error: unknown): string {
    const cause = (error as { cause?: unknown }).cause;
    return [
      String(error),
      (error as Error).stack,
      inspect(error, { depth: 10, showHidden: true }),
      JSON.stringify(error),
      cause === undefined ? '' : everythingAbout(cause),
    ].join('\n');
  }

  beforeAll(async () => {
    server = await startRedisServer({ password });
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    for (const client of clients.splice(0)) client.disconnect();
    jest.restoreAllMocks();
  });

  afterAll(async () => {
    await server?.stop();
  });

  const captureLogs = (): void => {
    logged = [];
    for (const level of ['log', 'warn', 'error', 'debug', 'verbose'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(' '));
      });
    }
  };

  it('connects with the password from a redis:// URL and works', async () => {
    expect(server.url).toContain(password);
    const store = track(new RedisStore(server.url, { keyPrefix: `${uniqueName('auth')}:` }));
    expect(await store.setOnce('mark', 60_000)).toBe(true);
    expect(await store.setOnce('mark', 60_000)).toBe(false);
  });

  it('keeps a wrong password out of errors and logs (connection built from a URL)', async () => {
    captureLogs();
    const url = `redis://:${wrongPassword}@127.0.0.1:${server.port}`;
    const store = track(new RedisStore(url, { keyPrefix: `${uniqueName('auth')}:`, operationTimeoutMs: 2000 }));
    const error = await store.getToken('tok').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeComStoreError);
    expect((error as Error).message).toMatch(/WRONGPASS/);
    await store.subscribe('chan', () => undefined).catch(() => undefined); // the pub/sub connection logs too
    expect(everythingAbout(error)).not.toContain(wrongPassword);
    expect(logged.join('\n')).not.toContain(wrongPassword);
  });

  it("keeps the password of the user's own client out of errors and logs", async () => {
    captureLogs();
    const client = new Redis(server.port, server.host, { password: wrongPassword, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    clients.push(client);
    const store = track(new RedisStore(client, { keyPrefix: `${uniqueName('auth')}:`, operationTimeoutMs: 2000 }));
    const errors = await Promise.all(
      [
        store.setToken('tok', { token: 'access-token-value', fetchedAt: Date.now(), expiresAt: Date.now() + 60_000 }),
        store.acquireLock('lock', 1000),
        store.subscribe('chan', () => undefined),
      ].map((p) => p.catch((e: unknown) => e)),
    );
    for (const error of errors) {
      expect(error).toBeInstanceOf(WeComStoreError);
      const seen = everythingAbout(error);
      expect(seen).not.toContain(wrongPassword);
      // The value being written is not in the error either (ioredis errors carry the command's arguments).
      expect(seen).not.toContain('access-token-value');
    }
    expect(logged.join('\n')).not.toContain(wrongPassword);
  });

  it('keeps the password out of the error when Redis is unreachable', async () => {
    captureLogs();
    const store = track(
      new RedisStore(`redis://user:${password}@127.0.0.1:1`, { keyPrefix: 'x:', operationTimeoutMs: 1000 }),
    );
    const error = await store.getJob('corp', 'job').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeComStoreError);
    expect(everythingAbout(error)).not.toContain(password);
    expect(logged.join('\n')).not.toContain(password);
  });

  it('refuses an unparseable URL at construction without echoing it', () => {
    const bad = `redis://:${password}@127.0.0.1:99999999`;
    let error: unknown;
    try {
      new RedisStore(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WeComConfigError);
    expect((error as Error).message).toContain('client is not a valid redis:// URL');
    expect(everythingAbout(error)).not.toContain(password);
  });
});
