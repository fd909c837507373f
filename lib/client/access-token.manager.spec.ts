import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { WeComApiError } from '../errors/wecom-api.error.js';
import { MemoryStore } from '../stores/memory.store.js';
import type { TokenRecord, WeComBatchStore } from '../stores/wecom-batch-store.interface.js';
import { AccessTokenManager } from './access-token.manager.js';
import { Redactor } from './redactor.js';
import { captureLogs, CORP_SECRET, createClient, FakeWeCom, fakeOptions } from './testing-fake-wecom.spec-helper.js';
import type { WeComClient } from './wecom-client.js';

function manager(client: WeComClient): AccessTokenManager {
  return (client as unknown as { tokens: AccessTokenManager }).tokens;
}

async function failure(promise: Promise<unknown>): Promise<WeComApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WeComApiError);
    return error as WeComApiError;
  }
  throw new Error('expected the call to fail');
}

describe('access tokens', () => {
  let fake: FakeWeCom;
  let logs: ReturnType<typeof captureLogs>;

  beforeAll(() => {
    logs = captureLogs();
  });
  afterAll(() => {
    logs.restore();
  });
  beforeEach(async () => {
    fake = await new FakeWeCom().start();
  });
  afterEach(async () => {
    await fake.close();
    // Whatever happened in the spec, no token or secret reached a log line.
    for (const secret of [CORP_SECRET, ...fake.issuedTokens]) {
      expect(logs.lines.filter((line) => line.includes(secret))).toEqual([]);
    }
  });

  it('1,000 concurrent calls on a cold cache → exactly one gettoken', async () => {
    fake.tokenDelayMs = 30;
    // A generous timeout: on a loaded CI machine the last of 1,000 queued requests may wait seconds for a
    // pooled connection, and a timeout retry would blur the request count this spec asserts.
    const { client } = createClient(fakeOptions(fake, { requestTimeoutMs: 30_000 }));

    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => client.get('batch/getresult', { jobid: `j${i}` })),
    );

    expect(results).toHaveLength(1000);
    expect(fake.count('gettoken')).toBe(1);
    expect(fake.count('batch/getresult')).toBe(1000);
    const used = new Set(fake.requests('batch/getresult').map((r) => r.query.get('access_token')));
    expect([...used]).toEqual([fake.issuedTokens[0]]);
  });

  it('two instances sharing a store on a cold cache → one gettoken (the store lock, then the re-check)', async () => {
    fake.tokenDelayMs = 60;
    const store = new MemoryStore();
    const a = createClient(fakeOptions(fake, { requestTimeoutMs: 30_000 }), store).client;
    const b = createClient(fakeOptions(fake, { requestTimeoutMs: 30_000 }), store).client;

    await Promise.all([
      ...Array.from({ length: 100 }, () => a.get('batch/getresult')),
      ...Array.from({ length: 100 }, () => b.get('batch/getresult')),
    ]);

    expect(fake.count('gettoken')).toBe(1);
    expect(new Set(fake.requests('batch/getresult').map((r) => r.query.get('access_token'))).size).toBe(1);
  });

  it('caches under a key made of the base URL, CorpID and a hash of the secret — never the secret itself', async () => {
    const store = new MemoryStore();
    const options = fakeOptions(fake);
    const { client } = createClient(options, store);
    await client.get('batch/getresult');

    const key = manager(client).key;
    expect(key).not.toContain(CORP_SECRET);
    expect(key).toContain(options.corpId);
    expect((await store.getToken(key))?.token).toBe(fake.issuedTokens[0]);

    // Another secret, or another base URL, is another cache entry.
    const other = createClient(fakeOptions(fake, { corpSecret: `${CORP_SECRET}-2` }), store).client;
    const proxied = createClient(fakeOptions(fake, { apiBaseUrl: `${fake.baseUrl}/proxy` }), store).client;
    expect(new Set([key, manager(other).key, manager(proxied).key]).size).toBe(3);
    const sha = createHash('sha256').update(CORP_SECRET).digest('hex');
    expect(key).not.toContain(sha); // the raw hash of the secret is not exposed either
  });

  it('42001 mid-flight (WeCom invalidated the token early) → one refresh, the call succeeds', async () => {
    const { client } = createClient(fakeOptions(fake));
    await client.get('batch/getresult');
    fake.expireTokens();

    await expect(client.get('batch/getresult')).resolves.toEqual({ errcode: 0, errmsg: 'ok' });

    expect(fake.count('gettoken')).toBe(2);
    const tokens = fake.requests('batch/getresult').map((r) => r.query.get('access_token'));
    expect(tokens).toEqual([fake.issuedTokens[0], fake.issuedTokens[0], fake.issuedTokens[1]]);
  });

  it('a burst of 42001s after early invalidation → still one refresh', async () => {
    const { client } = createClient(fakeOptions(fake));
    await client.get('batch/getresult');
    fake.expireTokens();

    await Promise.all(Array.from({ length: 200 }, () => client.get('batch/getresult')));

    expect(fake.count('gettoken')).toBe(2);
  });

  it('40014 after another request already refreshed → no second refresh, the newer token is kept', async () => {
    const store = new MemoryStore();
    const { client } = createClient(fakeOptions(fake), store);
    await client.get('user/get'); // warm: token T1
    // WeCom refuses T1 from now on: the first refusal comes at once (that call refreshes to T2), the second
    // only after 200 ms — its compare-and-invalidate must not drop T2.
    const t1 = fake.issuedTokens[0];
    let refusals = 0;
    fake.on('batch/getresult', (request) => {
      if (request.query.get('access_token') !== t1) return { errcode: 0, errmsg: 'ok' };
      const refused = { errcode: 40014, errmsg: 'invalid access_token' };
      return ++refusals === 1 ? refused : { delayMs: 200, then: refused };
    });

    await Promise.all([client.get('batch/getresult'), client.get('batch/getresult')]);

    expect(fake.count('gettoken')).toBe(2);
    const t2 = fake.issuedTokens[1];
    const sent = fake.requests('batch/getresult').map((r) => r.query.get('access_token'));
    expect(sent.sort()).toEqual([t1, t1, t2, t2].sort());
    expect((await store.getToken(manager(client).key))?.token).toBe(t2);
  });

  it('a token refused twice in a row is not refreshed again: one retry, never a loop', async () => {
    const refused = { errcode: 40014, errmsg: 'invalid access_token' };
    fake.script('batch/getresult', refused, refused, refused);
    const { client } = createClient(fakeOptions(fake));

    const error = await failure(client.get('batch/getresult'));

    expect(error).toMatchObject({ kind: 'api', errcode: 40014, retryable: false, attempts: 2 });
    expect(fake.count('gettoken')).toBe(2);
    expect(fake.count('batch/getresult')).toBe(2);
  });

  it('one token refresh per call, even when a retry (-1) follows the refresh', async () => {
    const refused = { errcode: 40014, errmsg: 'invalid access_token' };
    fake.script('batch/getresult', refused, { errcode: -1, errmsg: 'busy' }, refused);
    const { client } = createClient(fakeOptions(fake));

    const error = await failure(client.get('batch/getresult'));

    expect(error).toMatchObject({ errcode: 40014, attempts: 3 });
    expect(fake.count('gettoken')).toBe(2);
  });

  it('a token refusal on a job submission is retried once with the new token (WeCom did nothing)', async () => {
    fake.script('batch/syncuser', { errcode: 42001, errmsg: 'access_token expired' });
    fake.on('batch/syncuser', () => ({ errcode: 0, errmsg: 'ok', jobid: 'JOB' }));
    const { client } = createClient(fakeOptions(fake));
    await expect(client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false })).resolves.toMatchObject({
      jobid: 'JOB',
    });
    expect(fake.count('batch/syncuser')).toBe(2);
  });

  it('another instance refreshing: this one waits for its token instead of calling gettoken', async () => {
    const store = new MemoryStore();
    const { client } = createClient(fakeOptions(fake), store);
    const key = manager(client).key;
    // Someone else holds the refresh lock and stores a token 150 ms later.
    const lease = await store.acquireLock(`lock:${key}`, 10_000);
    expect(lease).not.toBeNull();
    fake.validTokens.add('TOKEN-FROM-THE-OTHER-INSTANCE');
    setTimeout(() => {
      const now = Date.now();
      void store.setToken(key, { token: 'TOKEN-FROM-THE-OTHER-INSTANCE', fetchedAt: now, expiresAt: now + 7_200_000 });
    }, 150);

    await client.get('batch/getresult');

    expect(fake.count('gettoken')).toBe(0);
    expect(fake.requests('batch/getresult')[0].query.get('access_token')).toBe('TOKEN-FROM-THE-OTHER-INSTANCE');
  });

  it('a lock left by a crashed instance expires, then this instance fetches the token itself', async () => {
    const store = new MemoryStore();
    const { client } = createClient(fakeOptions(fake), store);
    const key = manager(client).key;
    await store.acquireLock(`lock:${key}`, 150); // never released

    await client.get('batch/getresult');

    expect(fake.count('gettoken')).toBe(1);
  });

  it('refreshes ahead of expiry (margin capped at half the lifetime)', async () => {
    fake.expiresIn = 1; // refresh point: after 0.5 s
    const { client } = createClient(fakeOptions(fake, { tokenRefreshMarginSeconds: 300 }));
    await client.get('batch/getresult');
    await client.get('batch/getresult');
    expect(fake.count('gettoken')).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 600));
    await client.get('batch/getresult');

    expect(fake.count('gettoken')).toBe(2);
    expect(fake.requests('batch/getresult')[2].query.get('access_token')).toBe(fake.issuedTokens[1]);
  });

  it('when the early refresh fails but the token still works, the call goes on with it', async () => {
    const store = new MemoryStore();
    const { client } = createClient(fakeOptions(fake, { retry: { maxRetries: 1, baseDelayMs: 1 } }), store);
    const now = Date.now();
    // 20 s lifetime, 5 s left: past the refresh point (10 s before expiry) but still valid.
    const stale: TokenRecord = { token: 'STALE-BUT-VALID-TOKEN', fetchedAt: now - 15_000, expiresAt: now + 5_000 };
    await store.setToken(manager(client).key, stale);
    fake.validTokens.add(stale.token);
    fake.script('gettoken', { errcode: -1, errmsg: 'busy' }, { errcode: -1, errmsg: 'busy' });

    await client.get('batch/getresult');

    expect(fake.count('gettoken')).toBe(2);
    expect(fake.requests('batch/getresult')[0].query.get('access_token')).toBe(stale.token);
    expect(logs.lines.some((l) => l.startsWith('warn') && l.includes('using the current one'))).toBe(true);
  });

  it('a store failure becomes a WeComApiError of kind "store", with no token in its message or cause', async () => {
    const broken: WeComBatchStore = Object.assign(new MemoryStore(), {
      getToken: async () => {
        throw new Error(`ERR connection lost while running GET wecom:token (access_token=abc123456789)`);
      },
    });
    const { client } = createClient(fakeOptions(fake), broken);
    const error = await failure(client.get('batch/getresult'));
    expect(error).toMatchObject({ kind: 'store', endpoint: 'gettoken', errcode: null });
    expect(error.message).not.toContain('abc123456789');
    expect(String(error.cause)).not.toContain('abc123456789');
    expect(fake.received).toHaveLength(0);
  });

  it('an abort while waiting for the shared refresh ends only that caller', async () => {
    fake.tokenDelayMs = 200;
    const { client } = createClient(fakeOptions(fake));
    const controller = new AbortController();
    const aborted = client.get('batch/getresult', undefined, { signal: controller.signal });
    const patient = client.get('batch/getresult');
    setTimeout(() => controller.abort(), 20);

    expect(await failure(aborted)).toMatchObject({ kind: 'aborted', endpoint: 'batch/getresult' });
    await expect(patient).resolves.toEqual({ errcode: 0, errmsg: 'ok' });
    expect(fake.count('gettoken')).toBe(1);
  });

  it('the manager can be used with any fetcher and store (unit level)', async () => {
    const store = new MemoryStore();
    let calls = 0;
    const tokens = new AccessTokenManager({
      options: fakeOptions(fake),
      store,
      redactor: new Redactor(CORP_SECRET),
      fetchToken: async () => ({ token: `UNIT-TOKEN-${++calls}`, expiresInSeconds: 7200 }),
    });
    expect(await tokens.getToken()).toBe('UNIT-TOKEN-1');
    await tokens.reject('SOME-OLD-TOKEN');
    expect(await tokens.getToken()).toBe('UNIT-TOKEN-1');
    await tokens.reject('UNIT-TOKEN-1');
    expect(await tokens.getToken()).toBe('UNIT-TOKEN-2');
    expect(calls).toBe(2);
  });
});
